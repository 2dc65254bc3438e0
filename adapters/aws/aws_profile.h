/* aws_profile.h - keys from the AWS CLI's profile files: the profile
 * AWS_PROFILE names ("default" when unset), looked up in the credentials
 * file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials, sections
 * "[name]"), then the config file (AWS_CONFIG_FILE, else ~/.aws/config,
 * sections "[profile name]", or "[default]"). Only static keys are read
 * (aws_access_key_id, aws_secret_access_key, aws_session_token); a profile
 * that gets its keys another way (role_arn, sso_*, credential_process, ...)
 * is refused with a message rather than skipped. */
#ifndef FIN_AWS_PROFILE_H
#define FIN_AWS_PROFILE_H

#include <stddef.h>

struct aws_profile_keys {
  char *id, *secret, *token; /* owned: aws_profile_clear; token may be NULL */
  char source[320];          /* "profile <name> (<file>)" */
};

/* 1 with k filled, 0 when there is no such profile and AWS_PROFILE is not
 * set (the next source is tried), -1 with err filled (AWS_PROFILE names a
 * profile that does not exist, half a key pair, a profile of another kind,
 * OOM). */
int aws_profile_read(struct aws_profile_keys *k, char *err, size_t err_size);
void aws_profile_clear(struct aws_profile_keys *k);

#endif
