/* af-preview.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-archive"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-archive.h"
#include "af-preview.h"

/* The first layers show a print's footprint; more only costs time. */
#define MAX_LAYERS     3
#define MAX_BYTES      ((guint64) 8 * 1024 * 1024)
#define MAX_SEGMENTS   200000
#define MAX_LINE       512
/* Coordinates beyond a few metres are garbage, not a printer. */
#define MAX_COORDINATE 1e5
#define MARGIN         0.04

typedef struct
{
  float x0, y0, x1, y1;
} Segment;

struct _AfPreview
{
  /* Segments drawn after the first layer marker, and those before it: start
   * G-code purges a line at the bed's edge, which is not part of the print.
   * The prelude is only used when the file has no layer markers at all.
   */
  GArray    *segments;
  GArray    *prelude;
  char       line[MAX_LINE];
  gsize      line_length;
  gboolean   line_too_long;
  guint64    bytes;
  gboolean   done;

  gboolean   relative_xyz;    /* G91 */
  gboolean   relative_e;      /* M83 */
  double     x, y, z, e;

  guint      marker_layers;
  guint      z_layers;
  double     layer_z;
};

AfPreview *
af_preview_new (void)
{
  AfPreview *self = g_new0 (AfPreview, 1);

  self->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  self->prelude = g_array_new (FALSE, FALSE, sizeof (Segment));
  self->layer_z = -G_MAXDOUBLE;
  return self;
}

void
af_preview_free (AfPreview *self)
{
  if (self == NULL)
    return;

  g_array_unref (self->segments);
  g_array_unref (self->prelude);
  g_free (self);
}

/* Reads the next "X12.5"-style word; letters without a number are skipped. */
static gboolean
next_word (const char **p,
           char        *letter,
           double      *value)
{
  while (**p != '\0')
    {
      char c = *(*p)++;
      char *end = NULL;

      if (!g_ascii_isalpha (c))
        continue;
      *value = g_ascii_strtod (*p, &end);
      if (end == *p)
        continue;
      *p = end;
      *letter = g_ascii_toupper (c);
      return isfinite (*value) && fabs (*value) < MAX_COORDINATE;
    }
  return FALSE;
}

static void
record_segment (AfPreview *self,
                double     x,
                double     y)
{
  Segment segment = { (float)self->x, (float)self->y, (float)x, (float)y };

  if (self->marker_layers > 0)
    g_array_append_val (self->segments, segment);
  else if (self->z_layers <= MAX_LAYERS)
    g_array_append_val (self->prelude, segment);

  if (self->segments->len + self->prelude->len >= MAX_SEGMENTS)
    self->done = TRUE;
}

static void
count_z_layer (AfPreview *self)
{
  if (self->z > self->layer_z + 0.001)
    {
      self->z_layers++;
      self->layer_z = self->z;
    }
}

/* G0-G3 (arcs are drawn as their chord, which is close enough at this size). */
static void
handle_move (AfPreview  *self,
             const char *args)
{
  double x = self->x, y = self->y, z = self->z;
  gboolean extruding = FALSE;
  char letter;
  double value;

  while (next_word (&args, &letter, &value))
    {
      double *axis = letter == 'X' ? &x : letter == 'Y' ? &y : letter == 'Z' ? &z : NULL;

      if (axis != NULL)
        *axis = self->relative_xyz ? *axis + value : value;
      else if (letter == 'E')
        {
          gboolean relative = self->relative_xyz || self->relative_e;
          double delta = relative ? value : value - self->e;

          extruding = delta > 1e-9;
          self->e = relative ? self->e + value : value;
        }
    }

  self->z = z;
  if (extruding)
    count_z_layer (self);
  if (extruding && (x != self->x || y != self->y))
    record_segment (self, x, y);
  self->x = x;
  self->y = y;
}

static void
handle_set_position (AfPreview  *self,
                     const char *args)
{
  char letter;
  double value;

  while (next_word (&args, &letter, &value))
    {
      if (letter == 'X')
        self->x = value;
      else if (letter == 'Y')
        self->y = value;
      else if (letter == 'Z')
        self->z = value;
      else if (letter == 'E')
        self->e = value;
    }
}

static void
handle_command (AfPreview  *self,
                char        letter,
                int         code,
                const char *args)
{
  if (letter == 'G' && code >= 0 && code <= 3)
    handle_move (self, args);
  else if (letter == 'G' && code == 90)
    self->relative_xyz = FALSE;
  else if (letter == 'G' && code == 91)
    self->relative_xyz = TRUE;
  else if (letter == 'G' && code == 92)
    handle_set_position (self, args);
  else if (letter == 'M' && code == 82)
    self->relative_e = FALSE;
  else if (letter == 'M' && code == 83)
    self->relative_e = TRUE;
}

/* Layer markers of PrusaSlicer/OrcaSlicer, Bambu Studio and Cura. */
static void
handle_comment (AfPreview  *self,
                const char *text)
{
  while (*text == ';' || *text == ' ')
    text++;
  if (!g_str_has_prefix (text, "LAYER_CHANGE") && !g_str_has_prefix (text, "CHANGE_LAYER") &&
      !g_str_has_prefix (text, "LAYER:"))
    return;

  self->marker_layers++;
  if (self->marker_layers > MAX_LAYERS)
    self->done = TRUE;
}

static void
handle_line (AfPreview *self,
             char      *line)
{
  char *p = line;
  char *comment;
  char *end = NULL;
  char letter;
  double code;

  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == ';')
    {
      handle_comment (self, p);
      return;
    }
  if ((comment = strchr (p, ';')) != NULL)
    *comment = '\0';

  /* Only "G1 …" or "M83"-style commands; Klipper macros such as
   * START_PRINT are not moves.
   */
  letter = g_ascii_toupper (*p);
  if (letter != 'G' && letter != 'M')
    return;
  code = g_ascii_strtod (p + 1, &end);
  if (end == p + 1 || code != floor (code) || code < 0 || code > 1000)
    return;
  handle_command (self, letter, (int)code, end);
}

gboolean
af_preview_feed (AfPreview  *self,
                 const char *data,
                 gsize       length)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (gsize i = 0; i < length && !self->done; i++)
    {
      char c = data[i];

      if (c == '\n' || c == '\r')
        {
          self->line[self->line_length] = '\0';
          if (!self->line_too_long)
            handle_line (self, self->line);
          self->line_length = 0;
          self->line_too_long = FALSE;
        }
      else if (self->line_length + 1 < MAX_LINE && c != '\0')
        self->line[self->line_length++] = c;
      else
        self->line_too_long = TRUE;
    }

  self->bytes += length;
  if (self->bytes >= MAX_BYTES)
    self->done = TRUE;
  return !self->done;
}

static GArray *
drawn_segments (AfPreview *self)
{
  return self->marker_layers > 0 ? self->segments : self->prelude;
}

gboolean
af_preview_get_bounds (AfPreview *self,
                       double     bounds[4])
{
  GArray *segments;

  g_return_val_if_fail (self != NULL, FALSE);

  segments = drawn_segments (self);
  if (segments->len == 0)
    return FALSE;

  bounds[0] = bounds[1] = G_MAXDOUBLE;
  bounds[2] = bounds[3] = -G_MAXDOUBLE;
  for (guint i = 0; i < segments->len; i++)
    {
      const Segment *s = &g_array_index (segments, Segment, i);

      bounds[0] = MIN (bounds[0], MIN (s->x0, s->x1));
      bounds[1] = MIN (bounds[1], MIN (s->y0, s->y1));
      bounds[2] = MAX (bounds[2], MAX (s->x0, s->x1));
      bounds[3] = MAX (bounds[3], MAX (s->y0, s->y1));
    }
  return TRUE;
}

typedef struct
{
  guint8 *mask;
  int     size;
  double  scale;
  double  offset_x;
  double  offset_y;
} Canvas;

static void
plot (Canvas *canvas,
      int     x,
      int     y)
{
  if (x >= 0 && y >= 0 && x < canvas->size && y < canvas->size)
    canvas->mask[y * canvas->size + x] = 1;
}

/* Bresenham; the caller has fitted every point inside the canvas. */
static void
draw_line (Canvas *canvas,
           int     x0,
           int     y0,
           int     x1,
           int     y1)
{
  int dx = ABS (x1 - x0), sx = x0 < x1 ? 1 : -1;
  int dy = -ABS (y1 - y0), sy = y0 < y1 ? 1 : -1;
  int err = dx + dy;

  for (;;)
    {
      int e2 = 2 * err;

      plot (canvas, x0, y0);
      if (x0 == x1 && y0 == y1)
        break;
      if (e2 >= dy)
        {
          err += dy;
          x0 += sx;
        }
      if (e2 <= dx)
        {
          err += dx;
          y0 += sy;
        }
    }
}

static void
to_pixel (Canvas *canvas,
          double  x,
          double  y,
          int    *px,
          int    *py)
{
  /* Bed Y grows away from the viewer, image Y grows down: flip it. */
  *px = (int)lround (canvas->offset_x + x * canvas->scale);
  *py = (int)lround (canvas->offset_y - y * canvas->scale);
}

static void
fit_canvas (Canvas       *canvas,
            const double  bounds[4])
{
  double width = bounds[2] - bounds[0];
  double height = bounds[3] - bounds[1];
  double span = MAX (MAX (width, height), 1.0);
  double inner = canvas->size * (1.0 - 2 * MARGIN) - 1;

  canvas->scale = inner / span;
  canvas->offset_x = (canvas->size - width * canvas->scale) / 2 - bounds[0] * canvas->scale;
  canvas->offset_y = (canvas->size + height * canvas->scale) / 2 + bounds[1] * canvas->scale;
}

/* Widens one-pixel lines so that extrusions read as strokes at 512 px. */
static guint8 *
dilate (const guint8 *mask,
        int           size,
        int           radius)
{
  guint8 *out = g_malloc0 ((gsize)size * size);

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        if (!mask[y * size + x])
          continue;
        for (int v = MAX (0, y - radius); v <= MIN (size - 1, y + radius); v++)
          for (int u = MAX (0, x - radius); u <= MIN (size - 1, x + radius); u++)
            out[v * size + u] = 1;
      }
  return out;
}

static GdkPixbuf *
colorize (const guint8 *mask,
          int           size,
          guint32       rgb)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, size, size);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  gdk_pixbuf_fill (pixbuf, 0);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        guint8 *p = pixels + y * stride + x * 4;

        if (!mask[y * size + x])
          continue;
        p[0] = (rgb >> 16) & 0xff;
        p[1] = (rgb >> 8) & 0xff;
        p[2] = rgb & 0xff;
        p[3] = 0xff;
      }
  return pixbuf;
}

GdkPixbuf *
af_preview_render (AfPreview *self,
                   guint      size,
                   guint32    rgb)
{
  g_autofree guint8 *mask = NULL;
  g_autofree guint8 *wide = NULL;
  Canvas canvas = { NULL, (int)size, 0, 0, 0 };
  GArray *segments;
  double bounds[4];

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (size >= 16 && size <= 4096, NULL);

  if (!af_preview_get_bounds (self, bounds))
    return NULL;

  segments = drawn_segments (self);
  mask = canvas.mask = g_malloc0 ((gsize)size * size);
  fit_canvas (&canvas, bounds);
  for (guint i = 0; i < segments->len; i++)
    {
      const Segment *s = &g_array_index (segments, Segment, i);
      int x0, y0, x1, y1;

      to_pixel (&canvas, s->x0, s->y0, &x0, &y0);
      to_pixel (&canvas, s->x1, s->y1, &x1, &y1);
      draw_line (&canvas, x0, y0, x1, y1);
    }

  wide = dilate (mask, (int)size, size >= 256 ? 1 : 0);
  return colorize (wide, (int)size, rgb);
}

/**
 * af_preview_render_stream:
 *
 * Reads G-code text from @stream until the preview has seen enough, then
 * draws it. Returns %NULL without an error when nothing was extruded.
 */
GdkPixbuf *
af_preview_render_stream (GInputStream  *stream,
                          guint          size,
                          guint32        rgb,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(AfPreview) self = af_preview_new ();
  g_autofree char *buffer = g_malloc (64 * 1024);
  gssize n;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  while ((n = g_input_stream_read (stream, buffer, 64 * 1024, cancellable, error)) > 0)
    {
      if (!af_preview_feed (self, buffer, (gsize)n))
        break;
    }
  if (n < 0)
    return NULL;

  return af_preview_render (self, size, rgb);
}

GdkPixbuf *
af_preview_letterbox (GdkPixbuf *src,
                      guint      size)
{
  int width, height, scaled_width, scaled_height, x, y;
  double scale;
  GdkPixbuf *dest;

  g_return_val_if_fail (GDK_IS_PIXBUF (src), NULL);
  g_return_val_if_fail (size > 0, NULL);

  width = gdk_pixbuf_get_width (src);
  height = gdk_pixbuf_get_height (src);
  scale = MIN ((double)size / width, (double)size / height);
  scaled_width = CLAMP ((int)lround (width * scale), 1, (int)size);
  scaled_height = CLAMP ((int)lround (height * scale), 1, (int)size);
  x = ((int)size - scaled_width) / 2;
  y = ((int)size - scaled_height) / 2;

  dest = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, (int)size, (int)size);
  gdk_pixbuf_fill (dest, 0);
  gdk_pixbuf_scale (src, dest, x, y, scaled_width, scaled_height, x, y,
                    (double)scaled_width / width, (double)scaled_height / height,
                    GDK_INTERP_BILINEAR);
  return dest;
}

GBytes *
af_preview_encode_png (GdkPixbuf  *pixbuf,
                       GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &data, &length, "png", &local_error, NULL))
    {
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
                   _("Could not draw the plate thumbnail (%s). Close other programs "
                     "to free memory and try again."),
                   local_error->message);
      return NULL;
    }
  return g_bytes_new_take (data, length);
}
