#ifndef REFORMSYNC_CCURL_SHIM_H
#define REFORMSYNC_CCURL_SHIM_H

/*
 * libcurl for Swift.
 *
 * curl_easy_setopt and curl_easy_getinfo are C variadic functions, which Swift
 * cannot call. Each wrapper below fixes the type of the variadic argument, so
 * that Swift passes exactly what libcurl reads for that kind of option:
 * a long, a char*, a void*, a curl_off_t or a function pointer. Calling the
 * wrong wrapper for an option is undefined behaviour in C just as it would be
 * with the variadic call, so the Swift side only uses these through the typed
 * methods of CurlEasyHandle.
 *
 * All wrappers are static inline, so this header needs no compiled C target.
 */

#include <curl/curl.h>

/* ---- global ---------------------------------------------------------- */

/* CURL_GLOBAL_ALL is a macro expression Swift does not import. */
static inline CURLcode rs_curl_global_init_all(void) {
    return curl_global_init(CURL_GLOBAL_ALL);
}

/* Restricts a handle to http and https, with whichever option this libcurl has
   (CURLOPT_PROTOCOLS_STR since 7.85.0; the older bitmask is deprecated there). */
static inline CURLcode rs_curl_easy_restrict_to_http(CURL *handle) {
#if LIBCURL_VERSION_NUM >= 0x075500
    return curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    return curl_easy_setopt(handle, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

/* ---- curl_easy_setopt ------------------------------------------------- */

/* Options of type CURLOPTTYPE_LONG (timeouts, booleans, enums). */
static inline CURLcode rs_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options of type CURLOPTTYPE_STRINGPOINT (libcurl copies the string, except
   CURLOPT_POSTFIELDS which is set through rs_curl_easy_setopt_pointer). */
static inline CURLcode rs_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options of type CURLOPTTYPE_OBJECTPOINT / CBPOINT (user data, buffers). */
static inline CURLcode rs_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options of type CURLOPTTYPE_OFF_T (sizes and speed limits). */
static inline CURLcode rs_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* CURLOPT_HTTPHEADER and other CURLOPTTYPE_SLISTPOINT options. */
static inline CURLcode rs_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/* CURLOPT_WRITEFUNCTION: response body bytes. */
static inline CURLcode rs_curl_easy_setopt_write_callback(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

/* CURLOPT_HEADERFUNCTION: one response header line per call (same signature as write). */
static inline CURLcode rs_curl_easy_setopt_header_callback(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

/* CURLOPT_READFUNCTION: request body bytes, when streaming an upload. */
static inline CURLcode rs_curl_easy_setopt_read_callback(CURL *handle, curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

/* CURLOPT_XFERINFOFUNCTION: progress; returning non-zero aborts the transfer. */
static inline CURLcode rs_curl_easy_setopt_xferinfo_callback(CURL *handle, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

/* ---- curl_easy_getinfo ------------------------------------------------ */

static inline CURLcode rs_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode rs_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode rs_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *out) {
    return curl_easy_getinfo(handle, info, out);
}

/* The returned string is owned by the handle and valid until the next transfer. */
static inline CURLcode rs_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **out) {
    return curl_easy_getinfo(handle, info, out);
}

#endif /* REFORMSYNC_CCURL_SHIM_H */
