/* af-zip-entry-stream.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <zip.h>

G_BEGIN_DECLS

#define AF_TYPE_ZIP_ENTRY_STREAM (af_zip_entry_stream_get_type ())

G_DECLARE_FINAL_TYPE (AfZipEntryStream, af_zip_entry_stream, AF, ZIP_ENTRY_STREAM, GInputStream)

/* Streams one entry's uncompressed bytes. owner keeps the zip_t alive while
 * the stream exists. The stream never yields more than the entry declares
 * (nor more than max_size): an entry that inflates beyond its declared size
 * fails with AF_ARCHIVE_ERROR_TOO_LARGE instead of filling memory or disk.
 */
GInputStream *af_zip_entry_stream_new (GObject       *owner,
                                       zip_t         *zip,
                                       zip_uint64_t   index,
                                       guint64        max_size,
                                       const char    *display_name,
                                       GError       **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
