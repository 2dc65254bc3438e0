/* jwt_fixture.h - for the unit tests of token verifiers: RS256 tokens
 * signed here with OpenSSL keys, their public JWKs, and a loopback HTTP
 * server thread that serves a key set (so the real libcurl fetch path runs
 * and fetches can be counted). Header-only (static functions): each test
 * program includes it once, after cmocka, jansson, OpenSSL, pthread,
 * stdatomic and the socket headers, ../../core/util/codec.h and the port
 * header of struct fin_auth. */
#ifndef FIN_JWT_FIXTURE_H
#define FIN_JWT_FIXTURE_H

/* ---- base64url, JWKs and signing (OpenSSL) ---- */
static inline char *b64url(const void *data, size_t n) {
  char *out = fin_b64url_encode(data, n);
  assert_non_null(out);
  return out; /* free() */
}

static inline char *bn_b64url(EVP_PKEY *k, const char *param) {
  BIGNUM *bn = NULL;
  assert_int_equal(EVP_PKEY_get_bn_param(k, param, &bn), 1);
  unsigned char buf[1024];
  int n = BN_bn2bin(bn, buf);
  BN_free(bn);
  return b64url(buf, (size_t)n);
}

/* A public JWK of k (borrowed by nobody: a new json_t). */
static inline json_t *jwk(EVP_PKEY *k, const char *kid) {
  char *n = bn_b64url(k, OSSL_PKEY_PARAM_RSA_N), *e = bn_b64url(k, OSSL_PKEY_PARAM_RSA_E);
  json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "kid", kid, "use", "sig",
                        "alg", "RS256", "n", n, "e", e);
  free(n), free(e);
  return j;
}

static inline char *rs256(EVP_PKEY *k, const char *input) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char sig[1024];
  size_t sig_len = sizeof sig;
  assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
  assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)input, strlen(input)),
                   1);
  EVP_MD_CTX_free(ctx);
  return b64url(sig, sig_len);
}

/* header.payload.sig from JSON texts; sig by `k` (NULL: "" signature). */
static inline char *sign_raw(EVP_PKEY *k, const char *header, const char *payload) {
  char *h = b64url(header, strlen(header)), *p = b64url(payload, strlen(payload)), *in = NULL;
  assert_true(asprintf(&in, "%s.%s", h, p) > 0);
  char *s = k != NULL ? rs256(k, in) : strdup(""), *t = NULL;
  assert_true(asprintf(&t, "%s.%s", in, s) > 0);
  free(h), free(p), free(in), free(s);
  return t;
}

/* An RS256 token for `claims` (stolen). */
static inline char *tok(EVP_PKEY *k, const char *kid, json_t *claims) {
  char hdr[160];
  snprintf(hdr, sizeof hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
  char *payload = json_dumps(claims, JSON_COMPACT);
  char *t = sign_raw(k, hdr, payload);
  free(payload);
  json_decref(claims);
  return t;
}

/* ---- a loopback JWKS server: one thread, one request per connection ---- */
struct srv {
  int fd, port;
  pthread_t th;
  atomic_int hits, stop, delay_ms;
  pthread_mutex_t mu;
  char *body;     /* under mu */
  int status;     /* under mu */
  char path[256]; /* under mu: the path of the last request */
};

static inline void *srv_main(void *arg) {
  struct srv *s = arg;
  for (;;) {
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) {
      if (atomic_load(&s->stop)) break;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;
    }
    char req[4096];
    size_t got = 0;
    while (got < sizeof req - 1) { /* headers only: GET has no body */
      ssize_t r = read(c, req + got, sizeof req - 1 - got);
      if (r <= 0) break;
      got += (size_t)r;
      req[got] = '\0';
      if (strstr(req, "\r\n\r\n") != NULL) break;
    }
    pthread_mutex_lock(&s->mu);
    if (sscanf(req, "GET %255s ", s->path) != 1) s->path[0] = '\0';
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_add(&s->hits, 1);
    int delay = atomic_load(&s->delay_ms);
    if (delay > 0) usleep((useconds_t)delay * 1000);
    pthread_mutex_lock(&s->mu);
    char *resp = NULL;
    int n = asprintf(&resp,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     s->status, strlen(s->body), s->body);
    pthread_mutex_unlock(&s->mu);
    for (ssize_t off = 0, w; n > 0 && off < n; off += w)
      if ((w = write(c, resp + off, (size_t)(n - off))) <= 0) break;
    free(resp);
    close(c);
  }
  return NULL;
}

static inline void srv_set(struct srv *s, int status, json_t *body) { /* steals body */
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  pthread_mutex_lock(&s->mu);
  free(s->body);
  s->body = text;
  s->status = status;
  pthread_mutex_unlock(&s->mu);
}

static inline void srv_set_text(struct srv *s, int status, const char *text) {
  pthread_mutex_lock(&s->mu);
  free(s->body);
  s->body = strdup(text);
  s->status = status;
  pthread_mutex_unlock(&s->mu);
}

static inline json_t *keyset1(EVP_PKEY *k, const char *kid) {
  return json_pack("{s:[o]}", "keys", jwk(k, kid));
}

/* A server answering 200 with `body` (stolen) until told otherwise. */
static inline struct srv *srv_start(json_t *body) {
  struct srv *s = calloc(1, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  srv_set(s, 200, body);
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(s->fd, 64), 0);
  assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
  s->port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
  return s;
}

static inline void srv_stop(struct srv *s) {
  atomic_store(&s->stop, 1);
  shutdown(s->fd, SHUT_RDWR); /* wakes accept() */
  pthread_join(s->th, NULL);
  close(s->fd);
  pthread_mutex_destroy(&s->mu);
  free(s->body);
  free(s);
}

/* a.verify() of a token we own (freed here); p NULL: the principal is
 * dropped. A refusal must come with a reason for the log. */
static inline enum fin_auth_result check(struct fin_auth a, char *token, struct fin_principal *p) {
  struct fin_principal scratch;
  char detail[128] = "";
  enum fin_auth_result r = a.ops->verify(a.self, token, p ? p : &scratch, detail, sizeof detail);
  if (r == FIN_AUTH_OK && p == NULL) fin_principal_clear(&scratch);
  if (r != FIN_AUTH_OK) assert_true(detail[0] != '\0');
  free(token);
  return r;
}

/* The path of the last request (copied into out). */
static inline void srv_path(struct srv *s, char *out, size_t n) {
  pthread_mutex_lock(&s->mu);
  snprintf(out, n, "%s", s->path);
  pthread_mutex_unlock(&s->mu);
}

/* A port nothing listens on: bound, then closed. */
static inline int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

#endif
