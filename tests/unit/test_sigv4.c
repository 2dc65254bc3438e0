/* test_sigv4.c - the signer against AWS's published SigV4 test suite
 * (aws-sig-v4-test-suite as kept by awslabs/aws-c-auth,
 * tests/aws-signing-test-suite/v4/<name>/header-*.txt: credentials
 * AKIDEXAMPLE, us-east-1, service "service", 20150830T123600Z). Each vector
 * asserts the canonical request, the string to sign and the Authorization
 * value byte for byte; the macros below only spell out the parts every
 * vector shares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../adapters/aws/sigv4.h"

#define DATE "20150830T123600Z"
#define SCOPE "20150830/us-east-1/service/aws4_request"
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HOST "host:example.amazonaws.com\n"
#define XDATE "x-amz-date:" DATE "\n"
#define STS(hash) "AWS4-HMAC-SHA256\n" DATE "\n" SCOPE "\n" hash
#define AUTHZ(signed_headers, sig)                                                                 \
  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" SCOPE ", SignedHeaders=" signed_headers               \
  ", Signature=" sig
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define STS_TOKEN                                                                                  \
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPf"  \
  "IeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7W"  \
  "Z0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8"   \
  "FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
#define UNRESERVED "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define FORM_SHA "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"

/* One vector: the request as the suite's request.txt gives it (Host is
 * always example.amazonaws.com and added by the runner), the session token
 * the context signs, and the three expected artefacts. */
struct vector {
  const char *name, *method, *path;
  struct sigv4_pair query[3];
  struct sigv4_pair headers[4];
  const char *body, *token;
  const char *creq, *sts, *authz;
};

static const struct vector VECTORS[] = {
    {.name = "get-vanilla",
     .method = "GET",
     .path = "/",
     .creq = "GET\n/\n\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
     .authz = AUTHZ("host;x-amz-date",
                    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")},
    {.name = "get-vanilla-query-order-key-case",
     .method = "GET",
     .path = "/",
     .query = {{"Param2", "value2"}, {"Param1", "value1"}},
     .creq = "GET\n/\nParam1=value1&Param2=value2\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"),
     .authz = AUTHZ("host;x-amz-date",
                    "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")},
    {.name = "get-vanilla-query-unreserved",
     .method = "GET",
     .path = "/",
     .query = {{UNRESERVED, UNRESERVED}},
     .creq = "GET\n/\n" UNRESERVED "=" UNRESERVED "\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177"),
     .authz = AUTHZ("host;x-amz-date",
                    "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197")},
    {.name = "get-vanilla-utf8-query",
     .method = "GET",
     .path = "/",
     .query = {{"\xe1\x88\xb4", "bar"}},
     .creq = "GET\n/\n%E1%88%B4=bar\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073"),
     .authz = AUTHZ("host;x-amz-date",
                    "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")},
    {.name = "get-vanilla-empty-query-key",
     .method = "GET",
     .path = "/",
     .query = {{"Param1", "value1"}},
     .creq = "GET\n/\nParam1=value1\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab"),
     .authz = AUTHZ("host;x-amz-date",
                    "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb")},
    {.name = "get-vanilla-query-order-encoded",
     .method = "GET",
     .path = "/",
     .query = {{"Param-3", "Value3"}, {"Param", "Value2"}, {"\xe1\x88\xb4", "Value1"}},
     .creq = "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\n" HOST XDATE
             "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71"),
     .authz = AUTHZ("host;x-amz-date",
                    "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac")},
    {.name = "get-space",
     .method = "GET",
     .path = "/example space/",
     .creq = "GET\n/example%20space/\n\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86"),
     .authz = AUTHZ("host;x-amz-date",
                    "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741")},
    {.name = "get-utf8",
     .method = "GET",
     .path = "/\xe1\x88\xb4",
     .creq = "GET\n/%E1%88%B4\n\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102"),
     .authz = AUTHZ("host;x-amz-date",
                    "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")},
    {.name = "get-unreserved",
     .method = "GET",
     .path = "/" UNRESERVED,
     .creq = "GET\n/" UNRESERVED "\n\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9"),
     .authz = AUTHZ("host;x-amz-date",
                    "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f")},
    {.name = "get-header-value-trim",
     .method = "GET",
     .path = "/",
     .headers = {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
     .creq = "GET\n/\n\n" HOST "my-header1:value1\nmy-header2:\"a b c\"\n" XDATE
             "\nhost;my-header1;my-header2;x-amz-date\n" EMPTY_SHA,
     .sts = STS("a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"),
     .authz = AUTHZ("host;my-header1;my-header2;x-amz-date",
                    "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")},
    {.name = "get-header-value-multiline",
     .method = "GET",
     .path = "/",
     .headers = {{"My-Header1", "value1\n  value2\n     value3"}},
     .creq = "GET\n/\n\n" HOST "my-header1:value1 value2 value3\n" XDATE
             "\nhost;my-header1;x-amz-date\n" EMPTY_SHA,
     .sts = STS("e99419459a677bc11de234014be3c4e72c1ea5b454ceb58b613061f5d7a162e8"),
     .authz = AUTHZ("host;my-header1;x-amz-date",
                    "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd")},
    {.name = "get-header-value-order",
     .method = "GET",
     .path = "/",
     .headers = {{"My-Header1", "value4"},
                 {"My-Header1", "value1"},
                 {"My-Header1", "value3"},
                 {"My-Header1", "value2"}},
     .creq = "GET\n/\n\n" HOST "my-header1:value4,value1,value3,value2\n" XDATE
             "\nhost;my-header1;x-amz-date\n" EMPTY_SHA,
     .sts = STS("31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86"),
     .authz = AUTHZ("host;my-header1;x-amz-date",
                    "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01")},
    {.name = "get-header-key-duplicate",
     .method = "GET",
     .path = "/",
     .headers = {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
     .creq = "GET\n/\n\n" HOST "my-header1:value2,value2,value1\n" XDATE
             "\nhost;my-header1;x-amz-date\n" EMPTY_SHA,
     .sts = STS("dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c"),
     .authz = AUTHZ("host;my-header1;x-amz-date",
                    "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")},
    {.name = "post-vanilla",
     .method = "POST",
     .path = "/",
     .creq = "POST\n/\n\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"),
     .authz = AUTHZ("host;x-amz-date",
                    "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")},
    {.name = "post-vanilla-query",
     .method = "POST",
     .path = "/",
     .query = {{"Param1", "value1"}},
     .creq = "POST\n/\nParam1=value1\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd"),
     .authz = AUTHZ("host;x-amz-date",
                    "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11")},
    {.name = "post-header-key-sort",
     .method = "POST",
     .path = "/",
     .headers = {{"My-Header1", "value1"}},
     .creq =
         "POST\n/\n\n" HOST "my-header1:value1\n" XDATE "\nhost;my-header1;x-amz-date\n" EMPTY_SHA,
     .sts = STS("9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65"),
     .authz = AUTHZ("host;my-header1;x-amz-date",
                    "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c")},
    /* The 2015 suite's form: only Content-Type is signed besides host/date. */
    {.name = "post-x-www-form-urlencoded (2015)",
     .method = "POST",
     .path = "/",
     .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
     .body = "Param1=value1",
     .creq = "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n" HOST XDATE
             "\ncontent-type;host;x-amz-date\n" FORM_SHA,
     .sts = STS("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"),
     .authz = AUTHZ("content-type;host;x-amz-date",
                    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")},
    /* The current suite's form, which also signs the length and the body
     * hash header (as S3-style clients send it). */
    {.name = "post-x-www-form-urlencoded",
     .method = "POST",
     .path = "/",
     .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Content-Length", "13"},
                 {"x-amz-content-sha256", FORM_SHA}},
     .body = "Param1=value1",
     .creq = "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\n" HOST
             "x-amz-content-sha256:" FORM_SHA "\n" XDATE
             "\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n" FORM_SHA,
     .sts = STS("b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb"),
     .authz = AUTHZ("content-length;content-type;host;x-amz-content-sha256;x-amz-date",
                    "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b")},
    {.name = "post-sts-header-before",
     .method = "POST",
     .path = "/",
     .token = STS_TOKEN,
     .creq = "POST\n/\n\n" HOST XDATE "x-amz-security-token:" STS_TOKEN
             "\n\nhost;x-amz-date;x-amz-security-token\n" EMPTY_SHA,
     .sts = STS("c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6"),
     .authz = AUTHZ("host;x-amz-date;x-amz-security-token",
                    "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")},
    /* The token header is added after signing: signed as if absent. */
    {.name = "post-sts-header-after",
     .method = "POST",
     .path = "/",
     .creq = "POST\n/\n\n" HOST XDATE "\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = STS("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"),
     .authz = AUTHZ("host;x-amz-date",
                    "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")},
    {.name = "get-vanilla-with-session-token",
     .method = "GET",
     .path = "/",
     .token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
     .creq = "GET\n/\n\n" HOST XDATE
             "x-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
             "\n\nhost;x-amz-date;x-amz-security-token\n" EMPTY_SHA,
     .sts = STS("067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b"),
     .authz = AUTHZ("host;x-amz-date;x-amz-security-token",
                    "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8")},
};
#define N_VECTORS (sizeof VECTORS / sizeof VECTORS[0])

static size_t count_pairs(const struct sigv4_pair *p, size_t max) {
  size_t n = 0;
  while (n < max && p[n].name != NULL)
    n++;
  return n;
}

static void run_vector(void **state) {
  const struct vector *v = *state;
  struct sigv4_pair h[5] = {{"Host", "example.amazonaws.com"}};
  size_t nh = 1 + count_pairs(v->headers, 4);
  memcpy(h + 1, v->headers, (nh - 1) * sizeof h[0]);
  struct sigv4_request r = {.method = v->method,
                            .path = v->path,
                            .query = v->query,
                            .n_query = count_pairs(v->query, 3),
                            .headers = h,
                            .n_headers = nh,
                            .body = v->body,
                            .body_len = v->body ? strlen(v->body) : 0};
  struct sigv4_creds c = {.access_key_id = "AKIDEXAMPLE",
                          .secret_access_key = SECRET,
                          .session_token = v->token,
                          .region = "us-east-1",
                          .service = "service"};
  struct sigv4_result s;
  assert_int_equal(sigv4_sign(&r, &c, DATE, &s), SIGV4_OK);
  assert_string_equal(s.canonical_request, v->creq);
  assert_string_equal(s.string_to_sign, v->sts);
  assert_string_equal(s.authorization, v->authz);
  assert_non_null(strstr(v->authz, s.signature));
  sigv4_result_clear(&s);
}

/* AWS's worked example of the key derivation (secret as above, 20120215,
 * us-east-1, iam). */
static void derived_signing_key(void **state) {
  unsigned char key[SIGV4_KEY_LEN];
  assert_int_equal(sigv4_signing_key(SECRET, "20120215", "us-east-1", "iam", key), SIGV4_OK);
  char hex[2 * SIGV4_KEY_LEN + 1];
  for (size_t i = 0; i < SIGV4_KEY_LEN; i++)
    snprintf(hex + 2 * i, 3, "%02x", key[i]);
  assert_string_equal(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

/* Date and token headers the caller lists itself are signed once, as given. */
static void listed_date_and_token_are_not_repeated(void **state) {
  struct sigv4_pair h[] = {
      {"host", "example.amazonaws.com"}, {"X-Amz-Security-Token", STS_TOKEN}, {"X-AMZ-DATE", DATE}};
  struct sigv4_request r = {.method = "POST", .path = "/", .headers = h, .n_headers = 3};
  struct sigv4_creds c = {"AKIDEXAMPLE", SECRET, STS_TOKEN, "us-east-1", "service", NULL};
  struct sigv4_result s;
  assert_int_equal(sigv4_sign(&r, &c, DATE, &s), SIGV4_OK);
  assert_string_equal(s.authorization,
                      AUTHZ("host;x-amz-date;x-amz-security-token",
                            "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"));
  sigv4_result_clear(&s);
}

/* An AWS JSON call as aws_http.c makes it: signs and is stable. */
static void json_call_shape(void **state) {
  const char *body = "{\"TableName\":\"acme-users\"}";
  struct sigv4_pair h[] = {{"Host", "127.0.0.1:4566"},
                           {"Content-Type", "application/x-amz-json-1.0"},
                           {"X-Amz-Target", "DynamoDB_20120810.DescribeTable"}};
  struct sigv4_request r = {"POST", "/", NULL, 0, h, 3, body, strlen(body)};
  struct sigv4_creds c = {"test", "test", NULL, "us-east-1", "dynamodb", NULL};
  struct sigv4_result a, b;
  assert_int_equal(sigv4_sign(&r, &c, DATE, &a), SIGV4_OK);
  assert_int_equal(sigv4_sign(&r, &c, DATE, &b), SIGV4_OK);
  assert_string_equal(a.authorization, b.authorization);
  assert_non_null(strstr(a.canonical_request,
                         "\ncontent-type:application/x-amz-json-1.0\nhost:127.0.0.1:4566\n"
                         "x-amz-date:" DATE "\nx-amz-target:DynamoDB_20120810.DescribeTable\n\n"
                         "content-type;host;x-amz-date;x-amz-target\n"));
  assert_true(strncmp(a.authorization,
                      "AWS4-HMAC-SHA256 Credential=test/20150830/us-east-1/dynamodb/aws4_request, "
                      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=",
                      strlen("AWS4-HMAC-SHA256 Credential=test/20150830/us-east-1/dynamodb/"
                             "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                             "x-amz-target, Signature=")) == 0);
  sigv4_result_clear(&a);
  sigv4_result_clear(&b);
}

/* A signing key kept by the caller for the day signs as the derived one;
 * a key of another day signs differently (the given key is what is used). */
static void kept_signing_key(void **state) {
  const char *body = "{}";
  struct sigv4_pair h[] = {{"Host", "127.0.0.1:4566"},
                           {"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
  struct sigv4_request r = {"POST", "/", NULL, 0, h, 2, body, 2};
  struct sigv4_creds c = {"test", SECRET, NULL, "us-east-1", "dynamodb", NULL};
  unsigned char today[SIGV4_KEY_LEN], yesterday[SIGV4_KEY_LEN];
  assert_int_equal(sigv4_signing_key(SECRET, "20150830", "us-east-1", "dynamodb", today), SIGV4_OK);
  assert_int_equal(sigv4_signing_key(SECRET, "20150829", "us-east-1", "dynamodb", yesterday),
                   SIGV4_OK);
  struct sigv4_result derived, kept, stale;
  assert_int_equal(sigv4_sign(&r, &c, DATE, &derived), SIGV4_OK);
  c.signing_key = today;
  assert_int_equal(sigv4_sign(&r, &c, DATE, &kept), SIGV4_OK);
  c.signing_key = yesterday;
  assert_int_equal(sigv4_sign(&r, &c, DATE, &stale), SIGV4_OK);
  assert_string_equal(kept.authorization, derived.authorization);
  assert_string_not_equal(stale.signature, derived.signature);
  sigv4_result_clear(&derived);
  sigv4_result_clear(&kept);
  sigv4_result_clear(&stale);
}

static void bad_date_is_refused(void **state) {
  struct sigv4_pair h[] = {{"Host", "x"}};
  struct sigv4_request r = {"GET", "/", NULL, 0, h, 1, NULL, 0};
  struct sigv4_creds c = {"AKIDEXAMPLE", SECRET, NULL, "us-east-1", "service", NULL};
  struct sigv4_result s;
  assert_int_equal(sigv4_sign(&r, &c, "2015-08-30", &s), SIGV4_BAD_DATE);
  assert_null(s.authorization);
  assert_int_equal(sigv4_sign(&r, &c, "20150830X123600Z", &s), SIGV4_BAD_DATE);
  assert_int_equal(sigv4_sign(&r, &c, "2015083OT123600Z", &s), SIGV4_BAD_DATE);
  sigv4_result_clear(&s);
  sigv4_result_clear(NULL);
  char d[SIGV4_AMZ_DATE_SIZE];
  sigv4_amz_date(1440938160, d); /* 2015-08-30T12:36:00Z */
  assert_string_equal(d, DATE);
  sigv4_amz_date(0, d);
  assert_string_equal(d, "19700101T000000Z");
  sigv4_amz_date(951868799, d); /* the last second of a leap day */
  assert_string_equal(d, "20000229T235959Z");
  sigv4_amz_date(4102444799, d);
  assert_string_equal(d, "20991231T235959Z");
}

int main(void) {
  struct CMUnitTest tests[N_VECTORS + 5];
  for (size_t i = 0; i < N_VECTORS; i++)
    tests[i] = (struct CMUnitTest){VECTORS[i].name, run_vector, NULL, NULL, (void *)&VECTORS[i]};
  tests[N_VECTORS] = (struct CMUnitTest)cmocka_unit_test(derived_signing_key);
  tests[N_VECTORS + 1] =
      (struct CMUnitTest)cmocka_unit_test(listed_date_and_token_are_not_repeated);
  tests[N_VECTORS + 2] = (struct CMUnitTest)cmocka_unit_test(json_call_shape);
  tests[N_VECTORS + 3] = (struct CMUnitTest)cmocka_unit_test(bad_date_is_refused);
  tests[N_VECTORS + 4] = (struct CMUnitTest)cmocka_unit_test(kept_signing_key);
  return _cmocka_run_group_tests("sigv4", tests, N_VECTORS + 5, NULL, NULL);
}
