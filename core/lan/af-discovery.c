/* af-discovery.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <glib/gi18n-lib.h>

#include "af-discovery.h"
#include "af-lan-error.h"

/* Real notices are about 500 bytes; anything longer than this is not one. */
#define MAX_DATAGRAM       4096
/* Datagrams read per wake-up, so a flood cannot starve the main loop. */
#define MAX_READS_PER_WAKE 32
/* Distinct serials kept at once, so a flood of made-up ones cannot grow the
 * model without bound.
 */
#define MAX_PRINTERS       256
#define MAX_TOKEN          64
#define MAX_NAME_CHARS     64
#define MAX_FIRMWARE       32
/* What printers send (lan-protocol.md §1.2), used when a notice has none. */
#define DEFAULT_MAX_AGE    1800
#define MAX_MAX_AGE        86400

typedef struct
{
  const char *start;
  gsize       length;
} Slice;

enum {
  HEADER_USN,
  HEADER_LOCATION,
  HEADER_CACHE_CONTROL,
  HEADER_NTS,
  HEADER_MODEL,
  HEADER_NAME,
  HEADER_CONNECT,
  HEADER_BIND,
  HEADER_VERSION,
  N_HEADERS
};

static const char * const header_names[N_HEADERS] = {
  [HEADER_USN] = "USN",
  [HEADER_LOCATION] = "Location",
  [HEADER_CACHE_CONTROL] = "Cache-Control",
  [HEADER_NTS] = "NTS",
  [HEADER_MODEL] = "DevModel.bambu.com",
  [HEADER_NAME] = "DevName.bambu.com",
  [HEADER_CONNECT] = "DevConnect.bambu.com",
  [HEADER_BIND] = "DevBind.bambu.com",
  [HEADER_VERSION] = "DevVersion.bambu.com",
};

typedef struct
{
  AfDiscovery *self;      /* unowned: the entry lives in self->entries */
  AfPrinter   *printer;
  GSource     *expiry;
} Entry;

struct _AfDiscovery
{
  GObject       parent_instance;

  guint         port;
  GSocket      *socket;
  GSource      *source;
  GMainContext *context;
  GListStore   *printers;
  GHashTable   *entries;  /* serial → Entry */
};

G_DEFINE_FINAL_TYPE (AfDiscovery, af_discovery, G_TYPE_OBJECT)

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  if (entry->expiry != NULL)
    {
      g_source_destroy (entry->expiry);
      g_source_unref (entry->expiry);
    }
  g_clear_object (&entry->printer);
  g_free (entry);
}

/* --- Parsing ------------------------------------------------------------ */

static gboolean
next_line (const char **cursor,
           const char  *end,
           Slice       *line)
{
  const char *newline;

  if (*cursor >= end)
    return FALSE;

  newline = memchr (*cursor, '\n', end - *cursor);
  line->start = *cursor;
  line->length = (newline != NULL ? newline : end) - *cursor;
  if (line->length > 0 && line->start[line->length - 1] == '\r')
    line->length--;
  *cursor = newline != NULL ? newline + 1 : end;

  return TRUE;
}

static Slice
slice_trim (Slice slice)
{
  while (slice.length > 0 && (*slice.start == ' ' || *slice.start == '\t'))
    {
      slice.start++;
      slice.length--;
    }
  while (slice.length > 0 &&
         (slice.start[slice.length - 1] == ' ' || slice.start[slice.length - 1] == '\t'))
    slice.length--;

  return slice;
}

static gboolean
slice_equal (Slice       slice,
             const char *text)
{
  gsize length = strlen (text);

  return slice.length == length && g_ascii_strncasecmp (slice.start, text, length) == 0;
}

static gboolean
slice_has_prefix (Slice       slice,
                  const char *prefix)
{
  gsize length = strlen (prefix);

  return slice.length >= length && g_ascii_strncasecmp (slice.start, prefix, length) == 0;
}

/* "NOTIFY * HTTP/1.1", or "HTTP/1.1 200 OK", the answer form slicers accept. */
static gboolean
is_start_line (Slice line)
{
  if (slice_has_prefix (line, "NOTIFY "))
    return TRUE;

  return slice_has_prefix (line, "HTTP/1.") && line.length >= 12 &&
         memcmp (line.start + 8, " 200", 4) == 0;
}

static void
store_header (Slice line,
              Slice values[N_HEADERS])
{
  const char *colon = memchr (line.start, ':', line.length);
  Slice name;
  Slice value;

  if (colon == NULL)
    return;

  name = slice_trim ((Slice) { line.start, colon - line.start });
  value = slice_trim ((Slice) { colon + 1, line.start + line.length - colon - 1 });

  for (guint i = 0; i < N_HEADERS; i++)
    {
      /* The first occurrence wins; a repeated header cannot override it. */
      if (values[i].start == NULL && slice_equal (name, header_names[i]))
        {
          values[i] = value;
          return;
        }
    }
}

static gboolean
split_headers (const char *datagram,
               gsize       length,
               Slice       values[N_HEADERS])
{
  const char *cursor = datagram;
  const char *end = datagram + length;
  Slice line;

  if (!next_line (&cursor, end, &line) || !is_start_line (line))
    return FALSE;

  while (next_line (&cursor, end, &line) && line.length > 0)
    store_header (line, values);

  return TRUE;
}

/* Serials and model codes: short runs of letters, digits, '-', '_' and '.'. */
static char *
dup_token (Slice value)
{
  if (value.start == NULL || value.length == 0 || value.length > MAX_TOKEN)
    return NULL;

  for (gsize i = 0; i < value.length; i++)
    {
      char c = value.start[i];

      if (!g_ascii_isalnum (c) && c != '-' && c != '_' && c != '.')
        return NULL;
    }

  return g_strndup (value.start, value.length);
}

static char *
dup_firmware (Slice value)
{
  if (value.start == NULL || value.length == 0 || value.length > MAX_FIRMWARE)
    return NULL;

  for (gsize i = 0; i < value.length; i++)
    {
      if (!g_ascii_isgraph (value.start[i]))
        return NULL;
    }

  return g_strndup (value.start, value.length);
}

/* The user's own name for the printer: any bytes may arrive, so make it
 * valid UTF-8 without control characters, and short.
 */
static char *
dup_name (Slice value)
{
  g_autofree char *valid = NULL;
  g_autofree char *shortened = NULL;

  if (value.start == NULL || value.length == 0)
    return NULL;

  valid = g_utf8_make_valid (value.start, value.length);
  for (char *p = valid; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        *p = ' ';
    }

  /* g_utf8_substring() reads past the end when asked for more characters
   * than there are, so only cut what is too long.
   */
  if (g_utf8_strlen (valid, -1) > MAX_NAME_CHARS)
    shortened = g_utf8_substring (valid, 0, MAX_NAME_CHARS);
  else
    shortened = g_steal_pointer (&valid);
  g_strstrip (shortened);
  if (*shortened == '\0')
    return NULL;

  return g_steal_pointer (&shortened);
}

/* Location is a bare address on these printers; anything else falls back to
 * where the datagram came from.
 */
static char *
dup_host (Slice       location,
          const char *source_address)
{
  if (location.start != NULL && location.length > 0 && location.length <= MAX_TOKEN &&
      memchr (location.start, '\0', location.length) == NULL)
    {
      g_autofree char *host = g_strndup (location.start, location.length);

      if (g_hostname_is_ip_address (host))
        return g_steal_pointer (&host);
    }

  if (source_address != NULL && g_hostname_is_ip_address (source_address))
    return g_strdup (source_address);

  return NULL;
}

static guint
parse_max_age (Slice value)
{
  const char *p;
  const char *end;
  guint64 seconds = 0;
  guint digits = 0;

  if (value.start == NULL)
    return DEFAULT_MAX_AGE;

  end = value.start + value.length;
  for (p = value.start; p + strlen ("max-age") <= end; p++)
    {
      if (g_ascii_strncasecmp (p, "max-age", strlen ("max-age")) == 0)
        break;
    }
  if (p + strlen ("max-age") > end)
    return DEFAULT_MAX_AGE;

  p += strlen ("max-age");
  while (p < end && *p == ' ')
    p++;
  if (p == end || *p != '=')
    return DEFAULT_MAX_AGE;
  p++;
  while (p < end && *p == ' ')
    p++;

  for (; p < end && g_ascii_isdigit (*p) && digits < 10; p++, digits++)
    seconds = seconds * 10 + (guint64) (*p - '0');
  if (digits == 0)
    return DEFAULT_MAX_AGE;

  return (guint) CLAMP (seconds, 1, MAX_MAX_AGE);
}

AfPrinter *
af_discovery_parse_notify (const char *datagram,
                           gsize       length,
                           const char *source_address,
                           guint      *max_age_seconds)
{
  Slice values[N_HEADERS] = { { NULL, 0 } };
  g_autoptr(AfPrinter) printer = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *model = NULL;
  g_autofree char *host = NULL;
  g_autofree char *name = NULL;
  g_autofree char *firmware = NULL;
  gboolean farm;

  g_return_val_if_fail (datagram != NULL || length == 0, NULL);

  if (length == 0 || length > MAX_DATAGRAM || !split_headers (datagram, length, values))
    return NULL;

  serial = dup_token (values[HEADER_USN]);
  model = dup_token (values[HEADER_MODEL]);
  host = dup_host (values[HEADER_LOCATION], source_address);
  if (serial == NULL || model == NULL || host == NULL)
    return NULL;
  name = dup_name (values[HEADER_NAME]);
  firmware = dup_firmware (values[HEADER_VERSION]);

  printer = af_printer_new (serial);
  af_printer_set_host (printer, host);
  af_printer_set_model (printer, model);
  af_printer_set_name (printer, name);
  af_printer_set_firmware (printer, firmware);

  /* The vendor's slicer treats a farm printer as a free LAN-only one. */
  farm = slice_equal (values[HEADER_CONNECT], "farm");
  af_printer_set_lan_only (printer, farm || slice_equal (values[HEADER_CONNECT], "lan"));
  af_printer_set_bound (printer, !farm && slice_equal (values[HEADER_BIND], "occupied"));

  if (max_age_seconds != NULL)
    {
      /* A goodbye, should a printer ever send one, makes it leave at once. */
      if (slice_equal (values[HEADER_NTS], "ssdp:byebye"))
        *max_age_seconds = 0;
      else
        *max_age_seconds = parse_max_age (values[HEADER_CACHE_CONTROL]);
    }

  return g_steal_pointer (&printer);
}

/* --- The model ---------------------------------------------------------- */

static void
remove_entry (AfDiscovery *self,
              const char  *serial)
{
  g_autofree char *key = NULL;
  Entry *entry = NULL;
  guint position;

  if (!g_hash_table_steal_extended (self->entries, serial, (gpointer *)&key, (gpointer *)&entry))
    return;

  if (g_list_store_find (self->printers, entry->printer, &position))
    {
      af_printer_set_sources (entry->printer,
                              af_printer_get_sources (entry->printer) &
                              ~AF_PRINTER_SOURCE_DISCOVERED);
      g_list_store_remove (self->printers, position);
    }

  entry_free (entry);
}

static gboolean
expire_cb (gpointer user_data)
{
  Entry *entry = user_data;
  g_autofree char *tail = af_printer_dup_redacted_serial (entry->printer);

  g_debug ("Printer %s expired", tail);
  remove_entry (entry->self, af_printer_get_serial (entry->printer));

  return G_SOURCE_REMOVE;
}

static void
arm_expiry (Entry *entry,
            guint  max_age)
{
  if (entry->expiry != NULL)
    {
      g_source_destroy (entry->expiry);
      g_source_unref (entry->expiry);
    }

  entry->expiry = g_timeout_source_new (max_age * 1000);
  g_source_set_static_name (entry->expiry, "[af-discovery] expiry");
  g_source_set_callback (entry->expiry, expire_cb, entry, NULL);
  g_source_attach (entry->expiry, entry->self->context);
}

/* Later notices update the printer in place; fields a notice leaves out keep
 * what an earlier one said.
 */
static void
update_printer (AfPrinter *printer,
                AfPrinter *notice)
{
  af_printer_set_host (printer, af_printer_get_host (notice));
  af_printer_set_model (printer, af_printer_get_model (notice));
  if (af_printer_get_name (notice) != NULL)
    af_printer_set_name (printer, af_printer_get_name (notice));
  if (af_printer_get_firmware (notice) != NULL)
    af_printer_set_firmware (printer, af_printer_get_firmware (notice));
  af_printer_set_lan_only (printer, af_printer_get_lan_only (notice));
  af_printer_set_bound (printer, af_printer_get_bound (notice));
}

static void
handle_notice (AfDiscovery *self,
               AfPrinter   *notice,
               guint        max_age)
{
  const char *serial = af_printer_get_serial (notice);
  Entry *entry = g_hash_table_lookup (self->entries, serial);

  if (max_age == 0)
    {
      remove_entry (self, serial);
      return;
    }

  if (entry != NULL)
    {
      update_printer (entry->printer, notice);
      arm_expiry (entry, max_age);
      return;
    }

  if (g_hash_table_size (self->entries) >= MAX_PRINTERS)
    {
      g_debug ("Ignoring a notice: already %u printers", MAX_PRINTERS);
      return;
    }

  entry = g_new0 (Entry, 1);
  entry->self = self;
  entry->printer = g_object_ref (notice);
  af_printer_set_sources (notice, AF_PRINTER_SOURCE_DISCOVERED);
  g_hash_table_insert (self->entries, g_strdup (serial), entry);
  arm_expiry (entry, max_age);
  g_list_store_append (self->printers, notice);
}

static void
handle_datagram (AfDiscovery    *self,
                 const char     *datagram,
                 gsize           length,
                 GSocketAddress *address)
{
  g_autofree char *source = NULL;
  g_autoptr(AfPrinter) notice = NULL;
  guint max_age = 0;

  if (G_IS_INET_SOCKET_ADDRESS (address))
    source = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));

  notice = af_discovery_parse_notify (datagram, length, source, &max_age);
  if (notice == NULL)
    return;

  handle_notice (self, notice, max_age);
}

static gboolean
socket_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  AfDiscovery *self = user_data;
  /* One byte more than the limit, so an over-long datagram shows as such
   * instead of being parsed truncated.
   */
  char buffer[MAX_DATAGRAM + 1];

  for (guint i = 0; i < MAX_READS_PER_WAKE; i++)
    {
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GError) error = NULL;
      gssize received;

      received = g_socket_receive_from (socket, &address, buffer, sizeof buffer, NULL, &error);
      if (received < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("Discovery socket: %s", error->message);
          break;
        }

      if (received <= MAX_DATAGRAM)
        handle_datagram (self, buffer, received, address);
    }

  return G_SOURCE_CONTINUE;
}

/* --- The object --------------------------------------------------------- */

static void
af_discovery_dispose (GObject *object)
{
  AfDiscovery *self = (AfDiscovery *)object;

  af_discovery_stop (self);
  g_hash_table_remove_all (self->entries);
  if (self->printers != NULL)
    g_list_store_remove_all (self->printers);

  G_OBJECT_CLASS (af_discovery_parent_class)->dispose (object);
}

static void
af_discovery_finalize (GObject *object)
{
  AfDiscovery *self = (AfDiscovery *)object;

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_object (&self->printers);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (af_discovery_parent_class)->finalize (object);
}

static void
af_discovery_class_init (AfDiscoveryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = af_discovery_dispose;
  object_class->finalize = af_discovery_finalize;
}

static void
af_discovery_init (AfDiscovery *self)
{
  self->printers = g_list_store_new (AF_TYPE_PRINTER);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
}

AfDiscovery *
af_discovery_new (guint port)
{
  AfDiscovery *self;

  g_return_val_if_fail (port <= G_MAXUINT16, NULL);

  self = g_object_new (AF_TYPE_DISCOVERY, NULL);
  self->port = port;

  return self;
}

static GSocket *
open_socket (guint    port,
             GError **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;

  /* All three before bind: REUSEADDR and REUSEPORT let a slicer's plugin
   * (which sets one or the other) share port 2021 with us, and BROADCAST
   * is what lets Linux deliver datagrams sent to 255.255.255.255.
   */
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, error) ||
#ifdef SO_REUSEPORT
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error) ||
#endif
      !g_socket_set_option (socket, SOL_SOCKET, SO_BROADCAST, 1, error))
    return NULL;

  any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (any, port);
  /* allow_reuse must be TRUE: FALSE would clear the options set above. */
  if (!g_socket_bind (socket, address, TRUE, error))
    return NULL;

  g_socket_set_blocking (socket, FALSE);

  return g_steal_pointer (&socket);
}

gboolean
af_discovery_start (AfDiscovery  *self,
                    GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (AF_IS_DISCOVERY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->socket != NULL)
    return TRUE;

  self->socket = open_socket (self->port, &local_error);
  if (self->socket == NULL)
    {
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                   /* Translators: %u is a UDP port number, %s the system's reason. */
                   _("Could not listen for printers on UDP port %u: %s. "
                     "Close any program that holds the port without sharing it, then try again."),
                   self->port, local_error->message);
      return FALSE;
    }

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();

  self->source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_static_name (self->source, "[af-discovery] socket");
  g_source_set_callback (self->source, G_SOURCE_FUNC (socket_readable_cb), self, NULL);
  g_source_attach (self->source, self->context);

  g_debug ("Listening for printers on UDP port %u", af_discovery_get_port (self));

  return TRUE;
}

/* Stops listening. Printers already seen stay until their max-age passes. */
void
af_discovery_stop (AfDiscovery *self)
{
  g_return_if_fail (AF_IS_DISCOVERY (self));

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  if (self->socket != NULL)
    {
      g_socket_close (self->socket, NULL);
      g_clear_object (&self->socket);
    }
}

guint
af_discovery_get_port (AfDiscovery *self)
{
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (AF_IS_DISCOVERY (self), 0);

  if (self->socket == NULL)
    return self->port;

  address = g_socket_get_local_address (self->socket, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return self->port;

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

GListModel *
af_discovery_get_printers (AfDiscovery *self)
{
  g_return_val_if_fail (AF_IS_DISCOVERY (self), NULL);

  return G_LIST_MODEL (self->printers);
}
