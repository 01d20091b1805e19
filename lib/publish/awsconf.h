/* awsconf.h -- AWS credentials and region: environment, shared files */
#ifndef SV_AWSCONF_H
#define SV_AWSCONF_H

#include <stddef.h>

struct sv_awsconf {
    char access[256];
    char secret[256];
    char token[4096];
    char region[64];
    char endpoint[1024];        /* endpoint_url of the profile, or "" */
    char source[1200];          /* where the keys came from, for -v */
};

/*
 * Looks the credentials up as the AWS CLI does:
 *   1. an explicit profile (--profile, not NULL): only the files;
 *   2. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN);
 *   3. the profile AWS_PROFILE names, or "default", in the shared
 *      credentials file (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials),
 *      then in the config file (AWS_CONFIG_FILE, ~/.aws/config, section
 *      "[profile NAME]" or "[default]").
 * The region: region (the --region value, may be NULL), AWS_REGION,
 * AWS_DEFAULT_REGION, the profile's region in either file, us-east-1.
 * Returns 0, or SV_EAUTH with a message in err when no keys were found
 * (or an explicit profile is in neither file), SV_EFORMAT for a file that
 * cannot be read as INI.  Wipe c with explicit_bzero() after use.
 */
int sv_awsconf_load(struct sv_awsconf *c, const char *profile,
                    const char *region, char *err, size_t size);

#endif
