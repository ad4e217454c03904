/* af-bgcode.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-gcode"

#include "config.h"

#include <string.h>
#include <zlib.h>
#include <glib/gi18n-lib.h>

#include "af-bgcode.h"
#include "af-gcode-info.h"
#include "af-gcode-reader.h"

/* Layout, all little-endian: a 10-byte file header ("GCDE", uint32
 * version, uint16 checksum type), then blocks. A block is uint16 type,
 * uint16 compression, uint32 uncompressed size, uint32 compressed size
 * (only when compressed), then its parameters (uint16 encoding; or for a
 * thumbnail uint16 format, width, height), the payload, and a CRC32 of
 * everything before it when the file header asks for checksums.
 */

enum
{
  COMPRESSION_NONE,
  COMPRESSION_DEFLATE,
  COMPRESSION_HEATSHRINK_11_4,
  COMPRESSION_HEATSHRINK_12_4,
};

enum
{
  ENCODING_NONE,
  ENCODING_MEATPACK,
  ENCODING_MEATPACK_COMMENTS,
};

typedef struct
{
  guint16 type;
  guint16 compression;
  guint32 uncompressed_size;
  guint32 payload_size;
  guint8  raw[18];       /* header and parameters, covered by the checksum */
  gsize   raw_size;
  gsize   params_offset;
} BlockHeader;

static guint16
read_le16 (const guint8 *p)
{
  return (guint16)(p[0] | (p[1] << 8));
}

static guint32
read_le32 (const guint8 *p)
{
  return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static gboolean
set_truncated (GError **error)
{
  g_set_error_literal (error, AF_GCODE_ERROR, AF_GCODE_ERROR_TRUNCATED,
                       _("The binary G-code ends in the middle of a block, so the file is cut "
                         "short. Copy or export it again."));
  return FALSE;
}

static gboolean
set_corrupt (GError     **error,
             const char  *what)
{
  g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT,
               _("The binary G-code is damaged: %s. Export it again from the slicer."), what);
  return FALSE;
}

static gboolean
set_unsupported (GError     **error,
                 const char  *what)
{
  g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_UNSUPPORTED,
               _("This binary G-code uses %s, which this version cannot read. "
                 "Export it as plain G-code instead."), what);
  return FALSE;
}

/* Reads exactly @size bytes; fewer means the file ends too soon. */
static gboolean
read_exact (GInputStream  *stream,
            void          *buffer,
            gsize          size,
            GCancellable  *cancellable,
            GError       **error)
{
  gsize bytes_read = 0;

  if (!g_input_stream_read_all (stream, buffer, size, &bytes_read, cancellable, error))
    return FALSE;
  if (bytes_read != size)
    return set_truncated (error);

  return TRUE;
}

gboolean
af_bgcode_has_magic (const guint8 *data,
                     gsize         size)
{
  return size >= 4 && memcmp (data, AF_BGCODE_MAGIC, 4) == 0;
}

static gboolean
check_file_header (const guint8  *data,
                   gboolean      *has_checksums,
                   GError       **error)
{
  guint32 version = read_le32 (data + 4);
  guint16 checksum_type = read_le16 (data + 8);

  if (!af_bgcode_has_magic (data, AF_BGCODE_HEADER_SIZE))
    return set_corrupt (error, _("the file header is missing"));
  if (version != 1)
    {
      g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_UNSUPPORTED,
                   _("This binary G-code uses version %u of the format, which this version "
                     "cannot read. Export it as plain G-code instead."), version);
      return FALSE;
    }
  if (checksum_type > 1)
    return set_unsupported (error, _("an unknown kind of checksum"));

  *has_checksums = checksum_type == 1;
  return TRUE;
}

static gboolean
read_file_header (GInputStream  *stream,
                  gboolean      *has_checksums,
                  GCancellable  *cancellable,
                  GError       **error)
{
  guint8 data[AF_BGCODE_HEADER_SIZE];

  if (!read_exact (stream, data, sizeof data, cancellable, error))
    return FALSE;

  return check_file_header (data, has_checksums, error);
}

static gsize
params_size (guint16 type)
{
  return type == AF_BGCODE_BLOCK_THUMBNAIL ? 6 : 2;
}

/* No codec grows data past a fixed ratio: Deflate 1032:1, Heatshrink
 * 8:1 (16 bytes from a 16-bit back-reference). A block claiming more
 * would only make us allocate for nothing.
 */
static guint64
max_expansion (guint16 compression)
{
  switch (compression)
    {
    case COMPRESSION_DEFLATE:
      return 1032;
    case COMPRESSION_HEATSHRINK_11_4:
    case COMPRESSION_HEATSHRINK_12_4:
      return 8;
    case COMPRESSION_NONE:
    default:
      return 1;
    }
}

static gboolean
check_block_kind (const BlockHeader  *header,
                  GError            **error)
{
  if (header->type > AF_BGCODE_BLOCK_THUMBNAIL)
    return set_unsupported (error, _("an unknown kind of block"));
  if (header->compression > COMPRESSION_HEATSHRINK_12_4)
    return set_unsupported (error, _("an unknown compression method"));

  return TRUE;
}

static gboolean
check_block_sizes (const BlockHeader  *header,
                   GError            **error)
{
  guint64 limit = (guint64)header->payload_size * max_expansion (header->compression) + 64;

  if (header->uncompressed_size > AF_BGCODE_MAX_BLOCK_SIZE ||
      header->payload_size > AF_BGCODE_MAX_BLOCK_SIZE || header->uncompressed_size > limit)
    return set_corrupt (error, _("a block claims an impossible size"));

  return TRUE;
}

/* Reads a block's header and parameters. Sets *at_end instead of failing
 * when the stream ends cleanly where a block would start.
 */
static gboolean
read_block_header (GInputStream  *stream,
                   BlockHeader   *header,
                   gboolean      *at_end,
                   GCancellable  *cancellable,
                   GError       **error)
{
  gsize bytes_read = 0;
  gsize rest;

  *at_end = FALSE;
  if (!g_input_stream_read_all (stream, header->raw, 8, &bytes_read, cancellable, error))
    return FALSE;
  if (bytes_read == 0)
    {
      *at_end = TRUE;
      return TRUE;
    }
  if (bytes_read != 8)
    return set_truncated (error);

  header->type = read_le16 (header->raw);
  header->compression = read_le16 (header->raw + 2);
  header->uncompressed_size = read_le32 (header->raw + 4);
  if (!check_block_kind (header, error))
    return FALSE;

  header->params_offset = header->compression != COMPRESSION_NONE ? 12 : 8;
  rest = header->params_offset - 8 + params_size (header->type);
  header->raw_size = 8 + rest;
  if (!read_exact (stream, header->raw + 8, rest, cancellable, error))
    return FALSE;
  header->payload_size = header->compression != COMPRESSION_NONE ?
                         read_le32 (header->raw + 8) : header->uncompressed_size;

  return check_block_sizes (header, error);
}

static goffset
block_size (const BlockHeader *header,
            gboolean           has_checksums)
{
  return (goffset)header->raw_size + header->payload_size + (has_checksums ? 4 : 0);
}

static gboolean
check_crc (const BlockHeader *header,
           GBytes            *payload,
           const guint8      *stored,
           GError           **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (payload, &size);
  uLong crc = crc32 (0L, Z_NULL, 0);

  crc = crc32 (crc, header->raw, header->raw_size);
  crc = crc32 (crc, data, size);
  if ((guint32)crc != read_le32 (stored))
    return set_corrupt (error, _("a block fails its checksum"));

  return TRUE;
}

/* Reads a block's payload, and checks it against its CRC32 when the file
 * carries checksums.
 */
static GBytes *
read_payload (GInputStream       *stream,
              const BlockHeader  *header,
              gboolean            has_checksums,
              GCancellable       *cancellable,
              GError            **error)
{
  g_autofree guint8 *data = g_malloc (MAX (header->payload_size, 1));
  g_autoptr(GBytes) payload = NULL;
  guint8 stored[4];

  if (!read_exact (stream, data, header->payload_size, cancellable, error))
    return NULL;
  payload = g_bytes_new_take (g_steal_pointer (&data), header->payload_size);
  if (has_checksums)
    {
      if (!read_exact (stream, stored, sizeof stored, cancellable, error) ||
          !check_crc (header, payload, stored, error))
        return NULL;
    }

  return g_steal_pointer (&payload);
}

static GBytes *
inflate_payload (GBytes  *payload,
                 gsize    size,
                 GError **error)
{
  gsize in_size;
  const guint8 *in = g_bytes_get_data (payload, &in_size);
  g_autofree guint8 *out = g_malloc (MAX (size, 1));
  uLongf out_size = size;

  if (uncompress (out, &out_size, in, in_size) != Z_OK || out_size != size)
    {
      set_corrupt (error, _("a block cannot be decompressed"));
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&out), size);
}

static GBytes *
unshrink_payload (GBytes  *payload,
                  gsize    size,
                  guint    window_bits,
                  GError **error)
{
  gsize in_size;
  const guint8 *in = g_bytes_get_data (payload, &in_size);
  g_autofree guint8 *out = g_malloc (MAX (size, 1));

  if (!af_bgcode_heatshrink_decode (in, in_size, window_bits, 4, out, size))
    {
      set_corrupt (error, _("a block cannot be decompressed"));
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&out), size);
}

static GBytes *
decompress_payload (const BlockHeader  *header,
                    GBytes             *payload,
                    GError            **error)
{
  switch (header->compression)
    {
    case COMPRESSION_DEFLATE:
      return inflate_payload (payload, header->uncompressed_size, error);
    case COMPRESSION_HEATSHRINK_11_4:
      return unshrink_payload (payload, header->uncompressed_size, 11, error);
    case COMPRESSION_HEATSHRINK_12_4:
      return unshrink_payload (payload, header->uncompressed_size, 12, error);
    case COMPRESSION_NONE:
    default:
      return g_bytes_ref (payload);
    }
}

/* Heatshrink is LZSS over a bit stream read most significant bit first: a
 * 1 bit is followed by an 8-bit literal; a 0 bit by a back-reference of
 * window_bits (distance - 1) and lookahead_bits (length - 1). The window
 * starts out filled with zeros, so a reference reaching before the first
 * byte reads zeros. Trailing bits that do not make a whole item are padding.
 */
typedef struct
{
  const guint8 *data;
  gsize         size;
  gsize         bit;
} BitReader;

static gboolean
bits_read (BitReader *reader,
           guint      n_bits,
           guint     *value)
{
  guint result = 0;

  if (reader->size * 8 - reader->bit < n_bits)
    return FALSE;

  for (guint i = 0; i < n_bits; i++, reader->bit++)
    {
      guint byte = reader->data[reader->bit / 8];

      result = (result << 1) | ((byte >> (7 - reader->bit % 8)) & 1);
    }

  *value = result;
  return TRUE;
}

static gboolean
copy_backref (guint8 *out,
              gsize   out_size,
              gsize  *produced,
              gsize   distance,
              gsize   length)
{
  if (length > out_size - *produced)
    return FALSE;

  for (gsize i = 0; i < length; i++, (*produced)++)
    out[*produced] = distance <= *produced ? out[*produced - distance] : 0;

  return TRUE;
}

gboolean
af_bgcode_heatshrink_decode (const guint8 *in,
                             gsize         in_size,
                             guint         window_bits,
                             guint         lookahead_bits,
                             guint8       *out,
                             gsize         out_size)
{
  BitReader reader = { in, in_size, 0 };
  gsize produced = 0;

  g_return_val_if_fail (window_bits >= 4 && window_bits <= 15, FALSE);
  g_return_val_if_fail (lookahead_bits >= 3 && lookahead_bits < window_bits, FALSE);
  g_return_val_if_fail (in_size < G_MAXSIZE / 8, FALSE);

  while (produced < out_size)
    {
      guint tag, index, count;

      if (!bits_read (&reader, 1, &tag))
        break;
      if (tag == 1)
        {
          if (!bits_read (&reader, 8, &index))
            break;
          out[produced++] = (guint8)index;
          continue;
        }
      if (!bits_read (&reader, window_bits, &index) ||
          !bits_read (&reader, lookahead_bits, &count))
        break;
      if (!copy_backref (out, out_size, &produced, (gsize)index + 1, (gsize)count + 1))
        return FALSE;
    }

  return produced == out_size;
}

/* Metadata payloads are INI-style "key=value" lines. */
static void
visit_metadata (AfBgcodeBlockType     type,
                GBytes               *text,
                AfBgcodeMetadataFunc  func,
                gpointer              user_data)
{
  gsize size;
  const char *data = g_bytes_get_data (text, &size);
  g_autofree char *copy = g_strndup (data, size);
  g_auto(GStrv) lines = g_strsplit (copy, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *equals = strchr (lines[i], '=');

      if (equals == NULL || equals == lines[i])
        continue;
      *equals = '\0';
      func (type, g_strstrip (lines[i]), g_strstrip (equals + 1), user_data);
    }
}

static void
visit_thumbnail (const BlockHeader     *header,
                 GBytes                *image,
                 AfBgcodeThumbnailFunc  func,
                 gpointer               user_data)
{
  const guint8 *params = header->raw + header->params_offset;
  guint16 format = read_le16 (params);
  g_autoptr(AfThumbnail) thumbnail = NULL;

  /* A newer image format should not cost the rest of the file. */
  if (format > AF_THUMBNAIL_FORMAT_QOI)
    {
      g_debug ("Skipping a thumbnail in unknown format %u", format);
      return;
    }

  thumbnail = af_thumbnail_new ((AfThumbnailFormat)format, read_le16 (params + 2),
                                read_le16 (params + 4), image);
  func (thumbnail, user_data);
}

typedef struct
{
  AfBgcodeMetadataFunc   metadata_func;
  AfBgcodeThumbnailFunc  thumbnail_func;
  gpointer               user_data;
} Visitor;

static gboolean
visit_block (GInputStream       *stream,
             const BlockHeader  *header,
             gboolean            has_checksums,
             const Visitor      *visitor,
             GCancellable       *cancellable,
             GError            **error)
{
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GBytes) data = NULL;
  guint16 encoding = read_le16 (header->raw + header->params_offset);

  if (header->type != AF_BGCODE_BLOCK_THUMBNAIL && encoding != 0)
    return set_unsupported (error, _("an unknown metadata encoding"));
  if ((payload = read_payload (stream, header, has_checksums, cancellable, error)) == NULL ||
      (data = decompress_payload (header, payload, error)) == NULL)
    return FALSE;

  if (header->type == AF_BGCODE_BLOCK_THUMBNAIL)
    visit_thumbnail (header, data, visitor->thumbnail_func, visitor->user_data);
  else
    visit_metadata (header->type, data, visitor->metadata_func, visitor->user_data);

  return TRUE;
}

/* Counts a metadata or thumbnail block against the limits; FALSE for a
 * thumbnail past AF_GCODE_MAX_THUMBNAILS, which is skipped unread.
 */
static gboolean
keep_block (const BlockHeader *header,
            guint64           *kept,
            guint             *n_thumbnails)
{
  if (header->type == AF_BGCODE_BLOCK_THUMBNAIL && ++*n_thumbnails > AF_GCODE_MAX_THUMBNAILS)
    {
      g_debug ("Skipping thumbnail block %u: too many", *n_thumbnails);
      return FALSE;
    }

  *kept += header->uncompressed_size;
  return TRUE;
}

static gboolean
walk_blocks (GInputStream   *stream,
             goffset         size,
             gboolean        has_checksums,
             gboolean        stop_at_gcode,
             const Visitor  *visitor,
             GCancellable   *cancellable,
             GError        **error)
{
  goffset offset = AF_BGCODE_HEADER_SIZE;
  gboolean has_gcode = FALSE;
  guint64 kept = 0;
  guint n_thumbnails = 0;

  while (offset < size)
    {
      BlockHeader header;
      gboolean at_end;
      goffset end;

      if (!read_block_header (stream, &header, &at_end, cancellable, error))
        return FALSE;
      if (at_end)
        return set_truncated (error);
      if (header.type == AF_BGCODE_BLOCK_GCODE && stop_at_gcode)
        return TRUE;
      end = offset + block_size (&header, has_checksums);
      if (end > size)
        return set_truncated (error);
      if (header.type == AF_BGCODE_BLOCK_GCODE || !keep_block (&header, &kept, &n_thumbnails))
        {
          has_gcode = has_gcode || header.type == AF_BGCODE_BLOCK_GCODE;
          if (!g_seekable_seek (G_SEEKABLE (stream), end, G_SEEK_SET, cancellable, error))
            return FALSE;
        }
      else if (kept > AF_BGCODE_MAX_METADATA_SIZE)
        return set_corrupt (error, _("its metadata and thumbnails are larger than any slicer "
                                     "writes"));
      else if (!visit_block (stream, &header, has_checksums, visitor, cancellable, error))
        return FALSE;
      offset = end;
    }

  /* G-code blocks come last and are not optional: a file that stops
   * before them was cut at a block boundary.
   */
  return has_gcode ? TRUE : set_truncated (error);
}

gboolean
af_bgcode_read_metadata (GInputStream           *stream,
                         goffset                 size,
                         gboolean                stop_at_gcode,
                         AfBgcodeMetadataFunc    metadata_func,
                         AfBgcodeThumbnailFunc   thumbnail_func,
                         gpointer                user_data,
                         GCancellable           *cancellable,
                         GError                **error)
{
  Visitor visitor = { metadata_func, thumbnail_func, user_data };
  gboolean has_checksums;

  g_return_val_if_fail (G_IS_SEEKABLE (stream), FALSE);
  g_return_val_if_fail (metadata_func != NULL && thumbnail_func != NULL, FALSE);

  if (!g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, cancellable, error) ||
      !read_file_header (stream, &has_checksums, cancellable, error))
    return FALSE;

  return walk_blocks (stream, size, has_checksums, stop_at_gcode, &visitor, cancellable, error);
}

/* MeatPack packs the fifteen commonest G-code characters two to a byte,
 * first character in the low nibble. Nibble 0xF stands for a character
 * sent whole in a following byte. Two 0xFF bytes then a command byte
 * switch packing and the "no spaces" mode, in which 'E' takes the space's
 * nibble and the encoder drops the spaces between a G command's
 * parameters. A byte packing two newlines pads a line of odd length and
 * stands for one newline.
 */
#define MP_SIGNAL          0xFF
#define MP_ENABLE_PACKING  251
#define MP_DISABLE_PACKING 250
#define MP_RESET_ALL       249
#define MP_QUERY_CONFIG    248
#define MP_ENABLE_NO_SPACES  247
#define MP_DISABLE_NO_SPACES 246
#define MP_FULL_WIDTH      0xF
#define MP_NEWLINE         12

static const char meatpack_table[] = "0123456789. \nGX";

typedef struct
{
  gboolean  packing;
  gboolean  no_spaces;
  GString  *line;
} MeatPack;

/* Puts back the spaces the encoder dropped, the way G-code is written:
 * one before every parameter letter, up to a comment.
 */
static void
append_spaced_line (GByteArray *out,
                    const char *line,
                    gsize       length)
{
  gboolean in_comment = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      in_comment = in_comment || line[i] == ';';
      if (i > 0 && !in_comment && g_ascii_isupper (line[i]) && line[i - 1] != ' ')
        g_byte_array_append (out, (const guint8 *)" ", 1);
      g_byte_array_append (out, (const guint8 *)line + i, 1);
    }
}

static void
meatpack_flush_line (MeatPack   *mp,
                     GByteArray *out)
{
  GString *line = mp->line;

  if (mp->no_spaces && line->len > 0 && line->str[0] == 'G' && strchr (line->str, ' ') == NULL)
    append_spaced_line (out, line->str, line->len);
  else
    g_byte_array_append (out, (const guint8 *)line->str, line->len);
  g_string_truncate (line, 0);
}

static gboolean
meatpack_put (MeatPack   *mp,
              GByteArray *out,
              char        c)
{
  if (c != '\n')
    {
      g_string_append_c (mp->line, c);
      return mp->line->len <= AF_BGCODE_MAX_LINE;
    }

  meatpack_flush_line (mp, out);
  g_byte_array_append (out, (const guint8 *)"\n", 1);
  return TRUE;
}

static char
meatpack_char (MeatPack *mp,
               guint     nibble)
{
  if (nibble == 11 && mp->no_spaces)
    return 'E';
  return meatpack_table[nibble];
}

static void
meatpack_command (MeatPack *mp,
                  guint8    command)
{
  switch (command)
    {
    case MP_ENABLE_PACKING:
      mp->packing = TRUE;
      break;
    case MP_DISABLE_PACKING:
      mp->packing = FALSE;
      break;
    case MP_RESET_ALL:
      mp->packing = mp->no_spaces = FALSE;
      break;
    case MP_ENABLE_NO_SPACES:
      mp->no_spaces = TRUE;
      break;
    case MP_DISABLE_NO_SPACES:
      mp->no_spaces = FALSE;
      break;
    case MP_QUERY_CONFIG:
    default:
      g_debug ("Ignoring MeatPack command %u", command);
      break;
    }
}

/* Decodes one packed byte at in[*i] and the whole-width bytes it calls for. */
static gboolean
meatpack_unpack (MeatPack     *mp,
                 const guint8 *in,
                 gsize         size,
                 gsize        *i,
                 GByteArray   *out)
{
  guint low = in[*i] & 0xF;
  guint high = in[*i] >> 4;
  guint n_full = (low == MP_FULL_WIDTH) + (high == MP_FULL_WIDTH);

  if (size - *i - 1 < n_full)
    return FALSE;
  (*i)++;

  if (low == MP_NEWLINE && high == MP_NEWLINE)
    return meatpack_put (mp, out, '\n');
  if (!meatpack_put (mp, out, low == MP_FULL_WIDTH ? (char)in[(*i)++] : meatpack_char (mp, low)))
    return FALSE;
  return meatpack_put (mp, out, high == MP_FULL_WIDTH ? (char)in[(*i)++] : meatpack_char (mp, high));
}

static gboolean
meatpack_decode (MeatPack     *mp,
                 const guint8 *in,
                 gsize         size,
                 GByteArray   *out)
{
  gsize i = 0;

  while (i < size)
    {
      if (in[i] == MP_SIGNAL && i + 1 < size && in[i + 1] == MP_SIGNAL)
        {
          if (i + 2 >= size)
            return FALSE;
          meatpack_command (mp, in[i + 2]);
          i += 3;
        }
      else if (!mp->packing)
        {
          if (!meatpack_put (mp, out, (char)in[i++]))
            return FALSE;
        }
      else if (!meatpack_unpack (mp, in, size, &i, out))
        return FALSE;
    }

  return TRUE;
}

/* The text stream: G-code blocks decoded one at a time into a buffer that
 * read() drains; nothing else of the file is kept.
 */
#define AF_TYPE_BGCODE_STREAM (af_bgcode_stream_get_type ())

G_DECLARE_FINAL_TYPE (AfBgcodeStream, af_bgcode_stream, AF, BGCODE_STREAM, GInputStream)

struct _AfBgcodeStream
{
  GInputStream  parent_instance;

  GInputStream *base;
  goffset       size;
  goffset       offset;
  gboolean      started;
  gboolean      has_checksums;
  gboolean      has_gcode;
  gboolean      finished;
  GByteArray   *buffer;
  gsize         buffer_pos;
  MeatPack      meatpack;
};

G_DEFINE_FINAL_TYPE (AfBgcodeStream, af_bgcode_stream, G_TYPE_INPUT_STREAM)

static gboolean
stream_start (AfBgcodeStream  *self,
              GCancellable    *cancellable,
              GError         **error)
{
  GSeekable *seekable = G_SEEKABLE (self->base);

  /* The size tells a cut-short file from a finished one when a block is
   * skipped: seeking past the end of a file does not fail.
   */
  if (!g_seekable_seek (seekable, 0, G_SEEK_END, cancellable, error))
    return FALSE;
  self->size = g_seekable_tell (seekable);
  if (!g_seekable_seek (seekable, 0, G_SEEK_SET, cancellable, error) ||
      !read_file_header (self->base, &self->has_checksums, cancellable, error))
    return FALSE;

  self->offset = AF_BGCODE_HEADER_SIZE;
  self->started = TRUE;
  return TRUE;
}

static gboolean
stream_decode_block (AfBgcodeStream     *self,
                     const BlockHeader  *header,
                     GCancellable       *cancellable,
                     GError            **error)
{
  guint16 encoding = read_le16 (header->raw + header->params_offset);
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GBytes) data = NULL;
  const guint8 *bytes;
  gsize size;

  if (encoding > ENCODING_MEATPACK_COMMENTS)
    return set_unsupported (error, _("an unknown G-code encoding"));
  payload = read_payload (self->base, header, self->has_checksums, cancellable, error);
  if (payload == NULL || (data = decompress_payload (header, payload, error)) == NULL)
    return FALSE;

  bytes = g_bytes_get_data (data, &size);
  if (encoding == ENCODING_NONE)
    {
      /* Keep order should a packed block have left half a line. */
      meatpack_flush_line (&self->meatpack, self->buffer);
      g_byte_array_append (self->buffer, bytes, size);
    }
  else if (!meatpack_decode (&self->meatpack, bytes, size, self->buffer))
    return set_corrupt (error, _("a G-code block cannot be unpacked"));

  return TRUE;
}

static gboolean
stream_finish (AfBgcodeStream  *self,
               GError         **error)
{
  if (!self->has_gcode)
    return set_truncated (error);

  meatpack_flush_line (&self->meatpack, self->buffer);
  self->finished = TRUE;
  return TRUE;
}

/* Fills the buffer from the next G-code block, skipping the others. */
static gboolean
stream_fill (AfBgcodeStream  *self,
             GCancellable    *cancellable,
             GError         **error)
{
  BlockHeader header;
  gboolean at_end;
  goffset end;

  if (!self->started && !stream_start (self, cancellable, error))
    return FALSE;
  if (!read_block_header (self->base, &header, &at_end, cancellable, error))
    return FALSE;
  if (at_end)
    return self->offset == self->size ? stream_finish (self, error) : set_truncated (error);

  end = self->offset + block_size (&header, self->has_checksums);
  if (end > self->size)
    return set_truncated (error);
  self->offset = end;

  if (header.type == AF_BGCODE_BLOCK_GCODE)
    {
      self->has_gcode = TRUE;
      return stream_decode_block (self, &header, cancellable, error);
    }

  return g_seekable_seek (G_SEEKABLE (self->base), end, G_SEEK_SET, cancellable, error);
}

static gssize
af_bgcode_stream_read (GInputStream  *stream,
                       void          *buffer,
                       gsize          count,
                       GCancellable  *cancellable,
                       GError       **error)
{
  AfBgcodeStream *self = AF_BGCODE_STREAM (stream);
  gsize available;

  while (self->buffer_pos == self->buffer->len && !self->finished)
    {
      g_byte_array_set_size (self->buffer, 0);
      self->buffer_pos = 0;
      if (!stream_fill (self, cancellable, error))
        return -1;
    }

  /* An empty GByteArray has no data pointer at all. */
  available = MIN (count, self->buffer->len - self->buffer_pos);
  if (available == 0)
    return 0;
  memcpy (buffer, self->buffer->data + self->buffer_pos, available);
  self->buffer_pos += available;

  return (gssize)available;
}

static gboolean
af_bgcode_stream_close (GInputStream  *stream,
                        GCancellable  *cancellable,
                        GError       **error)
{
  AfBgcodeStream *self = AF_BGCODE_STREAM (stream);

  return g_input_stream_close (self->base, cancellable, error);
}

static void
af_bgcode_stream_finalize (GObject *object)
{
  AfBgcodeStream *self = (AfBgcodeStream *)object;

  g_clear_object (&self->base);
  g_clear_pointer (&self->buffer, g_byte_array_unref);
  if (self->meatpack.line != NULL)
    g_string_free (self->meatpack.line, TRUE);

  G_OBJECT_CLASS (af_bgcode_stream_parent_class)->finalize (object);
}

static void
af_bgcode_stream_class_init (AfBgcodeStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = af_bgcode_stream_finalize;
  stream_class->read_fn = af_bgcode_stream_read;
  stream_class->close_fn = af_bgcode_stream_close;
}

static void
af_bgcode_stream_init (AfBgcodeStream *self)
{
  self->buffer = g_byte_array_new ();
  self->meatpack.line = g_string_new (NULL);
}

GInputStream *
af_bgcode_text_stream_new (GInputStream *base)
{
  AfBgcodeStream *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (base), NULL);
  g_return_val_if_fail (G_IS_SEEKABLE (base), NULL);

  self = g_object_new (AF_TYPE_BGCODE_STREAM, NULL);
  self->base = g_object_ref (base);

  return G_INPUT_STREAM (self);
}
