/* codec.h - base64 and hashes.
 * Hashing and strict base64 (and base64url) use OpenSSL. The lenient decoder is our own
 * because the dev-token format (behaviour.md §3.2) needs Node's exact leniency,
 * which no library offers: both alphabets, optional padding, other
 * characters skipped, never an error. */
#ifndef FIN_CODEC_H
#define FIN_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Lenient base64 decode of s[0..len). Returns a new buffer (free()) with
 * *out_len bytes, NUL-terminated for convenience; NULL only on OOM. */
unsigned char *fin_b64_decode_lenient(const char *s, size_t len, size_t *out_len);
/* Standard base64 with padding; returns a new string (free()) or NULL. */
char *fin_b64_encode(const unsigned char *data, size_t len);
/* URL-safe base64 without padding; returns a new string (free()) or NULL. */
char *fin_b64url_encode(const unsigned char *data, size_t len);
/* Strict base64url decode of s[0..len) (the segments of a JWT, JWK
 * numbers): only the URL-safe alphabet, '=' padding only where it completes
 * the last quantum. Returns a new buffer (free()) with *out_len bytes,
 * NUL-terminated for convenience; NULL when s is not base64url, or on OOM. */
unsigned char *fin_b64url_decode(const char *s, size_t len, size_t *out_len);
/* Lower-case hex SHA-256 of data; out >= 65 bytes. */
void fin_sha256_hex(const void *data, size_t len, char *out);
/* The framework's weak ETag: W/"<len hex>-<first 27 chars of base64(SHA-1)>";
 * out >= 64 bytes. */
void fin_weak_etag(const void *body, size_t len, char *out);

#endif
