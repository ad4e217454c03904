/* af-handoff.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How slicers hand a file over: an import-file URL, or the post-processing
 * script mode (docs/handoff.md). The window and the command line both go
 * through here, so they accept and refuse the same things.
 */

#define AF_HANDOFF_ERROR (af_handoff_error_quark ())

typedef enum
{
  AF_HANDOFF_ERROR_FAILED,       /* reading or writing failed */
  AF_HANDOFF_ERROR_INVALID_URL,  /* not an import-file URL this app accepts */
  AF_HANDOFF_ERROR_NOT_FOUND,    /* the named file does not exist */
  AF_HANDOFF_ERROR_NOT_REGULAR,  /* a folder, FIFO, device or socket */
  AF_HANDOFF_ERROR_TOO_LARGE,    /* over AF_HANDOFF_MAX_FILE_SIZE */
} AfHandoffError;

/* atomform-connect://import-file?path=<%-encoded absolute path>&name=<%-encoded name>&version=1.0.0 */
#define AF_HANDOFF_URL_SCHEME      "atomform-connect"
/* Limits of the URL parser, checked before anything is decoded. A path of
 * PATH_MAX bytes, every byte encoded, fits in 3 × 4096 + the rest.
 */
#define AF_HANDOFF_URL_MAX_LENGTH  16384
/* Parameters in the query, known or not (unknown ones are ignored). */
#define AF_HANDOFF_URL_MAX_PARAMS  8
/* The decoded path, in bytes, without the final NUL (PATH_MAX - 1). */
#define AF_HANDOFF_PATH_MAX_LENGTH 4095
/* The decoded name, in bytes. */
#define AF_HANDOFF_NAME_MAX_LENGTH 255
/* The largest file the post-processing mode copies: the printers' 1 GB. */
#define AF_HANDOFF_MAX_FILE_SIZE   ((goffset) 1024 * 1024 * 1024)

typedef struct _AfHandoffRequest AfHandoffRequest;

GQuark            af_handoff_error_quark      (void);

/* Whether text starts with "atomform-connect:" (in any case). */
gboolean          af_handoff_is_url           (const char        *text);
/* Parses an import-file URL; each value is percent-decoded exactly once. */
AfHandoffRequest *af_handoff_request_parse    (const char        *url,
                                               GError           **error) G_GNUC_WARN_UNUSED_RESULT;
void              af_handoff_request_free     (AfHandoffRequest  *request);
/* The absolute path the URL names, as bytes (not necessarily UTF-8). */
const char       *af_handoff_request_get_path (AfHandoffRequest  *request);
/* The job name the slicer gave, UTF-8, or NULL when it gave none. */
const char       *af_handoff_request_get_name (AfHandoffRequest  *request);

/* Fails with a message that says what to do unless path is an existing
 * regular file (a symbolic link to one counts). Reads nothing from it.
 */
gboolean          af_handoff_check_file       (const char        *path,
                                               GError           **error);
/* Parses url and checks the file it names: the one file the window or the
 * command line then reads.
 */
GFile            *af_handoff_resolve_url      (const char        *url,
                                               GError           **error) G_GNUC_WARN_UNUSED_RESULT;

/* The copies of slicers' files are the user's print jobs, so they are not
 * kept for ever (docs/privacy.md, "On this computer"). Each copy has a
 * folder of its own under the cache folder. When a new copy is made, the
 * older copies whose folder is older than AF_HANDOFF_COPY_MAX_AGE_DAYS are
 * removed, and of the others only the newest AF_HANDOFF_MAX_COPIES - 1 stay
 * (with the new one, AF_HANDOFF_MAX_COPIES). af_handoff_clear_copies()
 * removes them all: Clear Local Data and `forget-local-data` call it
 * through af_local_store_forget_local_data(). A copy a window has open
 * (af_handoff_hold_copy()) is left alone by both.
 */
#define AF_HANDOFF_COPY_MAX_AGE_DAYS 7
#define AF_HANDOFF_MAX_COPIES        10

typedef struct _AfHandoffHold AfHandoffHold;

/* Where af_handoff_copy_from_slicer() puts its copies. */
char             *af_handoff_get_cache_dir    (void) G_GNUC_WARN_UNUSED_RESULT;
/* Removes every copy under cache_dir but those held open. Only folders
 * named as af_handoff_copy_from_slicer() names them, holding only files,
 * are touched.
 */
gboolean          af_handoff_clear_copies     (const char        *cache_dir,
                                               GError           **error);
/* Keeps the copy at path from being removed until af_handoff_hold_free()
 * (a shared flock(2) on its folder, which the process holding it loses
 * when it ends, however it ends). NULL when path is not a copy under
 * cache_dir, or it is being removed.
 */
AfHandoffHold    *af_handoff_hold_copy        (const char        *path,
                                               const char        *cache_dir) G_GNUC_WARN_UNUSED_RESULT;
void              af_handoff_hold_free        (AfHandoffHold     *hold);
/* Copies the slicer's temporary file (read only, never changed) to a new
 * folder of its own under cache_dir, named after output_name (what the
 * slicer calls SLIC3R_PP_OUTPUT_NAME; its last component) or, without one,
 * after the file. The copy appears under its name only once complete.
 * Returns the copy's path.
 */
char             *af_handoff_copy_from_slicer (const char        *path,
                                               const char        *output_name,
                                               const char        *cache_dir,
                                               GError           **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same with another size limit, for tests at and past it. */
char             *af_handoff_copy_file_full   (const char        *path,
                                               const char        *output_name,
                                               const char        *cache_dir,
                                               goffset            max_size,
                                               GError           **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfHandoffRequest, af_handoff_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfHandoffHold, af_handoff_hold_free)

G_END_DECLS
