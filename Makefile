# financial-api build. `make` builds build/financial-api (release);
# `make test-unit` builds and runs the cmocka suites under ASan+UBSan.
CC      ?= cc
PKGS    := lua5.4 libmicrohttpd libcurl jansson libcrypto zlib icu-uc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
# Only the test programs (unit suites, conformance) use cmocka: the server
# and the fuzz targets do not link it.
TEST_PKGS   := cmocka
TEST_CFLAGS := $(PKG_CFLAGS) $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null) $(PKG_LIBS)
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CSTD    := -std=gnu11 -D_GNU_SOURCE
CFLAGS  ?= -O2 -g -fno-omit-frame-pointer
# float-cast-overflow is not part of GCC's "undefined" group: (int)1e300 is UB.
SAN     := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined,float-cast-overflow

SRCS      := $(shell find core adapters -name '*.c' | sort)
LIB_SRCS  := $(filter-out core/main.c,$(SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
CONF_SRCS := $(wildcard tests/conformance/*.c)

REL_OBJS  := $(LIB_SRCS:%.c=build/rel/%.o)
SAN_OBJS  := $(LIB_SRCS:%.c=build/san/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/san/tests/%)

.PHONY: all test-unit conformance clean format fuzz deps-check
all: build/financial-api

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CSTD) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC(san) $<"
	@$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -DUNIT_TESTING_BUILD $(PKG_CFLAGS) -MMD -MP -c $< -o $@

# The release binary takes its malloc from mimalloc (docs/performance.md, "The
# allocator"): first among the libraries, kept even though no symbol of ours
# names it, so it comes before the C library in symbol lookup order.
REL_ALLOC := -Wl,--push-state,--no-as-needed -lmimalloc -Wl,--pop-state

build/financial-api: $(REL_OBJS) build/rel/core/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(REL_ALLOC) $(PKG_LIBS)
	@./$@ version | grep -q 'malloc: mimalloc' || \
	  { echo "$@: malloc is not mimalloc's ($$(./$@ version))" >&2; rm -f $@; exit 1; }

# The delaying TCP proxy of bench:aws (bench/delay_proxy.c).
build/delay-proxy: bench/delay_proxy.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -o $@ $<

# The same binary under sanitizers (contract tests can run against it).
build/san/financial-api: $(SAN_OBJS) build/san/core/main.o
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

build/san/tests/%: tests/unit/%.c $(SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) $(TEST_CFLAGS) -o $@ $< $(SAN_OBJS) $(TEST_LIBS)

build/san/conformance: $(CONF_SRCS) $(SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) $(TEST_CFLAGS) -o $@ $(CONF_SRCS) $(SAN_OBJS) $(TEST_LIBS)

test-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t; done

conformance: build/san/conformance
	ASAN_OPTIONS=detect_leaks=1 build/san/conformance $(WIRING)

# The include graph points one way (docs/architecture.md); the self-test
# shows the check refuses a wrong-way include.
deps-check:
	@scripts/deps-check.sh --self-test
	@scripts/deps-check.sh

format:
	clang-format -i $(SRCS) $(shell find core adapters tests -name '*.h') $(UNIT_SRCS) $(CONF_SRCS)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# libFuzzer targets (clang): every tests/fuzz/fuzz_*.c links the library.
FUZZ_CC   ?= clang
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJS := $(LIB_SRCS:%.c=build/fuzz/%.o)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/bin/%,$(wildcard tests/fuzz/fuzz_*.c))

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(WARN) -Wno-unknown-warning-option $(FUZZ_FLAGS) $(PKG_CFLAGS) -c $< -o $@

build/fuzz/bin/%: tests/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o $@ $< $(FUZZ_OBJS) $(PKG_LIBS)

fuzz: $(FUZZ_BINS)
