/* Input checks shared by the users module: every error names its field. */
#include <ctype.h>
#include <stdlib.h>

#include "users/users_priv.h"

/* A BCP 47 tag in its common shape: a 2-3 letter language, then subtags of
 * 1-8 letters or digits ("pt-BR", "zh-Hant-TW", "es-419"). */
int tc__users_check_locale(tc_ctx *ctx, const char *field, const char *s) {
  if (!s) return tc__seterr(ctx, TC_EINVAL, field, "%s is required", field);
  size_t n = strlen(s), lang = 0;
  while (lang < n && isalpha((unsigned char)s[lang])) lang++;
  bool ok = n <= TC_USERS_LOCALE_MAX && lang >= 2 && lang <= 3;
  size_t i = lang;
  while (ok && i < n) {
    if (s[i] != '-') {
      ok = false;
      break;
    }
    size_t j = ++i;
    while (j < n && isalnum((unsigned char)s[j])) j++;
    ok = j - i >= 1 && j - i <= 8;
    i = j;
  }
  if (!ok)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must be a language tag such as \"pt-BR\" (at most "
                      "%d characters)",
                      field, TC_USERS_LOCALE_MAX);
  return TC_OK;
}

/* E.164 after dropping the usual separators: '+', a non-zero digit, then
 * 6 to 14 more digits. */
int tc__users_norm_phone(tc_ctx *ctx, const char *field, const char *s,
                         char *out) {
  char buf[TC_USERS_PHONE_MAX + 1];
  size_t k = 0;
  bool ok = s && strlen(s) <= 64;
  for (const char *p = s; ok && *p; p++) {
    if (strchr(" -.()", *p)) continue;
    if (k >= TC_USERS_PHONE_MAX ||
        !(isdigit((unsigned char)*p) || (*p == '+' && k == 0))) {
      ok = false;
      break;
    }
    buf[k++] = *p;
  }
  ok = ok && k >= 8 && buf[0] == '+' && buf[1] != '0';
  if (!ok)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must be an international number: '+', the country "
                      "code and 7 to 15 digits in all",
                      field);
  buf[k] = '\0';
  memcpy(out, buf, k + 1);
  return TC_OK;
}

/* ISO 3166-1 alpha-2, officially assigned codes, sorted. */
static const char countries[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBY"
    "BZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFK"
    "FMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIR"
    "ISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMK"
    "MLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPM"
    "PNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTF"
    "TGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

static int cmp_country(const void *a, const void *b) {
  return memcmp(a, b, 2);
}

int tc__users_check_country(tc_ctx *ctx, const char *field, const char *s,
                            char out[3]) {
  char c[3] = {0};
  if (s && strlen(s) == 2 && isalpha((unsigned char)s[0]) &&
      isalpha((unsigned char)s[1])) {
    c[0] = (char)toupper((unsigned char)s[0]);
    c[1] = (char)toupper((unsigned char)s[1]);
    if (bsearch(c, countries, (sizeof(countries) - 1) / 2, 2, cmp_country)) {
      memcpy(out, c, 3);
      return TC_OK;
    }
  }
  return tc__seterr(ctx, TC_EINVAL, field,
                    "%s must be an ISO 3166-1 alpha-2 country code such as "
                    "\"BR\"",
                    field);
}

/* An IANA zone name: "UTC", "America/Sao_Paulo", "Etc/GMT+3". The zone
 * database itself is the host's business; this checks the shape. */
int tc__users_check_timezone(tc_ctx *ctx, const char *field, const char *s) {
  size_t n = s ? strlen(s) : 0;
  bool ok =
      n >= 1 && n <= 64 && isupper((unsigned char)s[0]) && s[n - 1] != '/';
  for (size_t i = 0; ok && i < n; i++) {
    char c = s[i];
    if (c == '/') {
      ok = i > 0 && s[i - 1] != '/';
    } else {
      ok = isalnum((unsigned char)c) || c == '_' || c == '+' || c == '-';
    }
  }
  if (!ok)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must be an IANA time zone name such as "
                      "\"America/Sao_Paulo\" or \"UTC\"",
                      field);
  return TC_OK;
}
