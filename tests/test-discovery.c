/* test-discovery.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-discovery"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

#include "af-discovery.h"
#include "af-lan-error.h"

/* The exact header set of docs/lan-protocol.md §1.2, CRLF line ends. */
#define FULL_NOTICE \
  "NOTIFY * HTTP/1.1\r\n" \
  "Host: 239.255.255.250:1990\r\n" \
  "Server: UPnP/1.0\r\n" \
  "Location: 192.168.1.50\r\n" \
  "NT: urn:bambulab-com:device:3dprinter:1\r\n" \
  "NTS: ssdp:alive\r\n" \
  "USN: 01S00C123456789\r\n" \
  "Cache-Control: max-age=1800\r\n" \
  "DevModel.bambu.com: C12\r\n" \
  "DevName.bambu.com: My P1S\r\n" \
  "DevSignal.bambu.com: -44\r\n" \
  "DevConnect.bambu.com: lan\r\n" \
  "DevBind.bambu.com: free\r\n" \
  "Devseclink.bambu.com: secure\r\n" \
  "DevInf.bambu.com: wlan0\r\n" \
  "DevVersion.bambu.com: 01.02.00.00\r\n" \
  "DevCap.bambu.com: 1\r\n" \
  "\r\n"

/* Runs the default main context until cond holds or ms pass. */
#define WAIT_UNTIL(cond, ms) \
  G_STMT_START { \
    gint64 wait_end_ = g_get_monotonic_time () + (gint64) (ms) * G_TIME_SPAN_MILLISECOND; \
    while (!(cond) && g_get_monotonic_time () < wait_end_) \
      { \
        if (!g_main_context_iteration (NULL, FALSE)) \
          g_usleep (2000); \
      } \
  } G_STMT_END

static AfPrinter *
parse (const char *datagram,
       const char *source,
       guint      *max_age)
{
  return af_discovery_parse_notify (datagram, strlen (datagram), source, max_age);
}

static char *
make_notice (const char *serial,
             const char *name,
             guint       max_age)
{
  return g_strdup_printf ("NOTIFY * HTTP/1.1\r\n"
                          "USN: %s\r\n"
                          "Cache-Control: max-age=%u\r\n"
                          "DevModel.bambu.com: C12\r\n"
                          "DevName.bambu.com: %s\r\n"
                          "DevConnect.bambu.com: lan\r\n"
                          "DevBind.bambu.com: free\r\n"
                          "\r\n",
                          serial, max_age, name);
}

/* Sends one datagram from a fresh socket, as a printer would. Returns
 * FALSE only when the system has no route for it (no network at all).
 */
static gboolean
send_datagram (const char *address,
               guint       port,
               const char *text)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) destination = g_inet_socket_address_new (inet, port);
  g_autoptr(GError) error = NULL;
  gssize sent;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_set_broadcast (socket, TRUE);

  sent = g_socket_send_to (socket, destination, text, strlen (text), NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    return FALSE;
  g_assert_no_error (error);
  g_assert_cmpint (sent, ==, strlen (text));

  return TRUE;
}

static guint
n_printers (AfDiscovery *discovery)
{
  return g_list_model_get_n_items (af_discovery_get_printers (discovery));
}

/* --- Parsing ------------------------------------------------------------ */

static void
test_parse_full (void)
{
  g_autoptr(AfPrinter) printer = NULL;
  guint max_age = 0;

  printer = parse (FULL_NOTICE, "192.168.1.99", &max_age);
  g_assert_nonnull (printer);

  g_assert_cmpstr (af_printer_get_serial (printer), ==, "01S00C123456789");
  /* Location wins over the datagram's source. */
  g_assert_cmpstr (af_printer_get_host (printer), ==, "192.168.1.50");
  g_assert_cmpstr (af_printer_get_model (printer), ==, "C12");
  g_assert_cmpstr (af_printer_get_name (printer), ==, "My P1S");
  g_assert_true (af_printer_get_lan_only (printer));
  g_assert_false (af_printer_get_bound (printer));
  g_assert_cmpstr (af_printer_get_firmware (printer), ==, "01.02.00.00");
  g_assert_cmpuint (max_age, ==, 1800);
  g_assert_cmpuint (af_printer_get_mqtt_port (printer), ==, 8883);
  g_assert_cmpuint (af_printer_get_ftps_port (printer), ==, 990);

  g_assert_finalize_object (g_steal_pointer (&printer));
}

static void
test_parse_mixed_case (void)
{
  const char *notice =
    "notify * http/1.1\n"
    "usn:01S00A000000007\n"
    "LOCATION:   10.0.0.7  \n"
    "cache-CONTROL: public, MAX-AGE = 60\n"
    "devmodel.BAMBU.COM:\tN2S\n"
    "DEVNAME.bambu.com: Kitchen A1\n"
    "devconnect.bambu.com: CLOUD\n"
    "DEVBIND.BAMBU.COM: Occupied\n"
    "devversion.bambu.com: 01.04.00.00\n"
    "\n";
  g_autoptr(AfPrinter) printer = NULL;
  guint max_age = 0;

  printer = parse (notice, "10.0.0.99", &max_age);
  g_assert_nonnull (printer);

  g_assert_cmpstr (af_printer_get_serial (printer), ==, "01S00A000000007");
  g_assert_cmpstr (af_printer_get_host (printer), ==, "10.0.0.7");
  g_assert_cmpstr (af_printer_get_model (printer), ==, "N2S");
  g_assert_cmpstr (af_printer_get_name (printer), ==, "Kitchen A1");
  g_assert_false (af_printer_get_lan_only (printer));
  g_assert_true (af_printer_get_bound (printer));
  g_assert_cmpstr (af_printer_get_firmware (printer), ==, "01.04.00.00");
  g_assert_cmpuint (max_age, ==, 60);

  g_assert_finalize_object (g_steal_pointer (&printer));
}

static void
test_parse_missing_location (void)
{
  const char *notice =
    "NOTIFY * HTTP/1.1\r\n"
    "USN: 01S00C123456789\r\n"
    "DevModel.bambu.com: C12\r\n"
    "\r\n";
  const char *odd_location =
    "NOTIFY * HTTP/1.1\r\n"
    "Location: http://printer.local/desc.xml\r\n"
    "USN: 01S00C123456789\r\n"
    "DevModel.bambu.com: C12\r\n"
    "\r\n";
  g_autoptr(AfPrinter) printer = NULL;
  g_autoptr(AfPrinter) odd = NULL;
  guint max_age = 0;

  printer = parse (notice, "192.168.7.8", &max_age);
  g_assert_nonnull (printer);
  g_assert_cmpstr (af_printer_get_host (printer), ==, "192.168.7.8");
  /* No Cache-Control: what printers send. */
  g_assert_cmpuint (max_age, ==, 1800);
  g_assert_null (af_printer_get_name (printer));
  g_assert_null (af_printer_get_firmware (printer));
  g_assert_false (af_printer_get_lan_only (printer));
  g_assert_false (af_printer_get_bound (printer));

  /* A Location that is not a bare address falls back to the source too. */
  odd = parse (odd_location, "192.168.7.9", NULL);
  g_assert_nonnull (odd);
  g_assert_cmpstr (af_printer_get_host (odd), ==, "192.168.7.9");

  /* With neither, there is nowhere to connect: not a usable notice. */
  g_assert_null (parse (notice, NULL, NULL));

  g_assert_finalize_object (g_steal_pointer (&printer));
  g_assert_finalize_object (g_steal_pointer (&odd));
}

static void
test_parse_response (void)
{
  const char *response =
    "HTTP/1.1 200 OK\r\n"
    "Server: Buildroot/2018.02-rc3 UPnP/1.0 ssdpd/1.8\r\n"
    "Date: Mon, 30 Nov 2026 04:00:00 GMT\r\n"
    "Location: 192.168.1.51\r\n"
    "ST: urn:bambulab-com:device:3dprinter:1\r\n"
    "EXT:\r\n"
    "USN: 01P00A000000051\r\n"
    "Cache-Control: max-age=1800\r\n"
    "DevModel.bambu.com: C11\r\n"
    "DevName.bambu.com: Workshop P1P\r\n"
    "DevConnect.bambu.com: farm\r\n"
    "DevBind.bambu.com: occupied\r\n"
    "DevVersion.bambu.com: 01.07.00.00\r\n"
    "\r\n";
  g_autoptr(AfPrinter) printer = NULL;
  guint max_age = 0;

  printer = parse (response, "192.168.1.99", &max_age);
  g_assert_nonnull (printer);
  g_assert_cmpstr (af_printer_get_serial (printer), ==, "01P00A000000051");
  g_assert_cmpstr (af_printer_get_host (printer), ==, "192.168.1.51");
  g_assert_cmpstr (af_printer_get_model (printer), ==, "C11");
  g_assert_cmpstr (af_printer_get_name (printer), ==, "Workshop P1P");
  g_assert_cmpstr (af_printer_get_firmware (printer), ==, "01.07.00.00");
  g_assert_cmpuint (max_age, ==, 1800);
  /* The vendor's slicer maps farm to a free LAN-only printer. */
  g_assert_true (af_printer_get_lan_only (printer));
  g_assert_false (af_printer_get_bound (printer));

  g_assert_finalize_object (g_steal_pointer (&printer));
}

static void
test_parse_rejects (void)
{
  static const char garbage[] = "\x00\xff\xfe NOTIFY\r\n\r\n\x01\x02";
  static const char nul_serial[] =
    "NOTIFY * HTTP/1.1\r\nUSN: 01S\0C1\r\nDevModel.bambu.com: C12\r\n\r\n";
  g_autofree char *huge = NULL;
  g_autoptr(GString) long_notice = NULL;
  const char *rejected[] = {
    "",
    "NOTIFY * HTTP/1.1\r\n",
    /* No USN. */
    "NOTIFY * HTTP/1.1\r\nLocation: 10.0.0.1\r\nDevModel.bambu.com: C12\r\n\r\n",
    /* No DevModel: some other SSDP device. */
    "NOTIFY * HTTP/1.1\r\nLocation: 10.0.0.1\r\nUSN: 01S00C123456789\r\n\r\n",
    /* Another client's search, not a printer. */
    "M-SEARCH * HTTP/1.1\r\nUSN: 01S00C123456789\r\nDevModel.bambu.com: C12\r\n\r\n",
    "HTTP/1.1 404 Not Found\r\nUSN: 01S00C123456789\r\nDevModel.bambu.com: C12\r\n\r\n",
    /* Headers after the blank line are body, not headers. */
    "NOTIFY * HTTP/1.1\r\nUSN: 01S00C123456789\r\n\r\nDevModel.bambu.com: C12\r\n",
    /* A serial that could not be a group name or a file name. */
    "NOTIFY * HTTP/1.1\r\nUSN: 01S00C 123\r\nDevModel.bambu.com: C12\r\n\r\n",
    "NOTIFY * HTTP/1.1\r\nUSN: ../../etc\r\nDevModel.bambu.com: C12\r\n\r\n",
    "NOTIFY * HTTP/1.1\r\nUSN: [group]\r\nDevModel.bambu.com: C12\r\n\r\n",
    "NOTIFY * HTTP/1.1\r\nUSN:\r\nDevModel.bambu.com: C12\r\n\r\n",
    "NOTIFY * HTTP/1.1\r\nUSN: 01S00C123456789\r\nDevModel.bambu.com: C12;rm\r\n\r\n",
    "USN: 01S00C123456789\r\nDevModel.bambu.com: C12\r\n\r\n",
    "garbage",
  };

  for (guint i = 0; i < G_N_ELEMENTS (rejected); i++)
    g_assert_null (parse (rejected[i], "10.0.0.1", NULL));

  g_assert_null (af_discovery_parse_notify (garbage, sizeof garbage, "10.0.0.1", NULL));
  g_assert_null (af_discovery_parse_notify (NULL, 0, "10.0.0.1", NULL));

  /* A NUL inside the serial ends nothing: the datagram is rejected. */
  g_assert_null (af_discovery_parse_notify (nul_serial, sizeof nul_serial - 1, "10.0.0.1", NULL));

  /* Longer than any real notice. */
  long_notice = g_string_new (FULL_NOTICE);
  while (long_notice->len <= 4096)
    g_string_insert (long_notice, strlen ("NOTIFY * HTTP/1.1\r\n"), "X-Pad: 0123456789\r\n");
  g_assert_null (af_discovery_parse_notify (long_notice->str, long_notice->len, "10.0.0.1",
                                            NULL));

  huge = g_strnfill (100000, 'A');
  g_assert_null (af_discovery_parse_notify (huge, strlen (huge), "10.0.0.1", NULL));
}

static void
test_parse_bounds (void)
{
  g_autofree char *long_name = g_strnfill (300, 'n');
  g_autofree char *notice = NULL;
  g_autoptr(AfPrinter) printer = NULL;
  guint max_age = 0;

  /* Names are cut to 64 characters. */
  notice = make_notice ("01S00C000000001", long_name, 30);
  printer = parse (notice, "10.0.0.1", &max_age);
  g_assert_nonnull (printer);
  g_assert_cmpint (g_utf8_strlen (af_printer_get_name (printer), -1), ==, 64);
  g_assert_cmpuint (max_age, ==, 30);
  g_clear_object (&printer);
  g_clear_pointer (&notice, g_free);

  /* Invalid UTF-8 and control characters never reach the name. */
  notice = make_notice ("01S00C000000001", "Bad\xff\xfe\x1b[31mName\x7f", 30);
  printer = parse (notice, "10.0.0.1", NULL);
  g_assert_nonnull (printer);
  g_assert_true (g_utf8_validate (af_printer_get_name (printer), -1, NULL));
  for (const char *p = af_printer_get_name (printer); *p != '\0'; p++)
    g_assert_false ((guchar) *p < 0x20 || *p == 0x7f);
  g_assert_nonnull (strstr (af_printer_get_name (printer), "Name"));
  g_clear_object (&printer);
  g_clear_pointer (&notice, g_free);

  /* UTF-8 names pass as they are. */
  notice = make_notice ("01S00C000000001", "Drucker Küche ✓", 30);
  printer = parse (notice, "10.0.0.1", NULL);
  g_assert_cmpstr (af_printer_get_name (printer), ==, "Drucker Küche ✓");
  g_clear_object (&printer);
  g_clear_pointer (&notice, g_free);

  /* max-age is clamped to a second .. a day. */
  notice = make_notice ("01S00C000000001", "P", 0);
  printer = parse (notice, "10.0.0.1", &max_age);
  g_assert_cmpuint (max_age, ==, 1);
  g_clear_object (&printer);
  g_clear_pointer (&notice, g_free);
  notice = make_notice ("01S00C000000001", "P", 4000000000u);
  printer = parse (notice, "10.0.0.1", &max_age);
  g_assert_cmpuint (max_age, ==, 86400);
  g_clear_object (&printer);

  /* The first of repeated headers counts. */
  printer = parse ("NOTIFY * HTTP/1.1\r\nUSN: FIRST1\r\nUSN: SECOND2\r\n"
                   "DevModel.bambu.com: C12\r\nCache-Control: no-cache\r\n\r\n",
                   "10.0.0.1", &max_age);
  g_assert_cmpstr (af_printer_get_serial (printer), ==, "FIRST1");
  g_assert_cmpuint (max_age, ==, 1800);
  g_clear_object (&printer);

  /* A goodbye asks for the printer to leave now. */
  printer = parse ("NOTIFY * HTTP/1.1\r\nNTS: ssdp:byebye\r\nUSN: 01S00C000000001\r\n"
                   "DevModel.bambu.com: C12\r\nCache-Control: max-age=1800\r\n\r\n",
                   "10.0.0.1", &max_age);
  g_assert_nonnull (printer);
  g_assert_cmpuint (max_age, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&printer));
}

/* --- AfPrinter ---------------------------------------------------------- */

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_printer_properties (void)
{
  g_autoptr(AfPrinter) printer = af_printer_new ("01S00C123456789");
  g_autofree char *redacted = af_printer_dup_redacted_serial (printer);
  g_autofree char *display = NULL;
  g_autoptr(AfPrinter) short_serial = af_printer_new ("AB");
  g_autofree char *short_redacted = af_printer_dup_redacted_serial (short_serial);
  /* Product names come from the one model table (af-printer-models.h), for
   * DevModel codes and model ids alike; an unknown code is shown as it is.
   */
  const struct
  {
    const char *model;
    const char *display;
  } display_names[] = {
    { NULL, "Printer …6789" },
    { "C12", "P1S …6789" },
    { "3DPrinter-X1-Carbon", "X1 Carbon …6789" },
    { "O1E", "H2D Pro …6789" },
    { "Z99", "Z99 …6789" },
  };
  guint count = 0;

  g_assert_cmpstr (redacted, ==, "…6789");
  g_assert_cmpstr (short_redacted, ==, "…AB");
  g_assert_nonnull (af_printer_get_status (printer));
  g_assert_cmpint (af_printer_get_connection (printer), ==, AF_CONNECTION_DISCONNECTED);

  for (guint i = 0; i < G_N_ELEMENTS (display_names); i++)
    {
      g_autofree char *name = NULL;

      af_printer_set_model (printer, display_names[i].model);
      name = af_printer_dup_display_name (printer);
      g_assert_cmpstr (name, ==, display_names[i].display);
    }

  g_signal_connect (printer, "notify", G_CALLBACK (count_notify_cb), &count);

  af_printer_set_name (printer, "Garage");
  af_printer_set_name (printer, "Garage");
  g_assert_cmpuint (count, ==, 1);
  display = af_printer_dup_display_name (printer);
  g_assert_cmpstr (display, ==, "Garage");

  af_printer_set_mqtt_port (printer, 8883);
  af_printer_set_lan_only (printer, FALSE);
  af_printer_set_bound (printer, FALSE);
  af_printer_set_host (printer, NULL);
  af_printer_set_host (printer, "");
  af_printer_set_sources (printer, 0);
  af_printer_set_connection (printer, AF_CONNECTION_DISCONNECTED);
  g_assert_cmpuint (count, ==, 1);

  af_printer_set_mqtt_port (printer, 18883);
  af_printer_set_mqtt_port (printer, 18883);
  af_printer_set_lan_only (printer, TRUE);
  af_printer_set_lan_only (printer, 2);
  af_printer_set_host (printer, "10.0.0.2");
  af_printer_set_sources (printer, AF_PRINTER_SOURCE_MANUAL);
  af_printer_set_connection (printer, AF_CONNECTION_CONNECTING);
  af_printer_set_last_error (printer, "x");
  g_assert_cmpuint (count, ==, 7);

  /* 0 is the printers' fixed port. */
  af_printer_set_mqtt_port (printer, 0);
  g_assert_cmpuint (af_printer_get_mqtt_port (printer), ==, AF_PRINTER_DEFAULT_MQTT_PORT);
  g_assert_cmpuint (count, ==, 8);

  af_printer_set_fingerprint (printer, "AB:CD:EF:01");
  g_assert_cmpstr (af_printer_get_fingerprint (printer), ==, "abcdef01");
  af_printer_set_fingerprint (printer, "abcdef01");
  g_assert_cmpuint (count, ==, 9);

  g_signal_handlers_disconnect_by_func (printer, count_notify_cb, &count);
  g_assert_finalize_object (g_steal_pointer (&printer));
  g_assert_finalize_object (g_steal_pointer (&short_serial));
}

/* --- Listening ---------------------------------------------------------- */

static AfDiscovery *
start_discovery (guint port)
{
  g_autoptr(AfDiscovery) discovery = af_discovery_new (port);
  g_autoptr(GError) error = NULL;

  g_assert_true (af_discovery_start (discovery, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (af_discovery_get_port (discovery), !=, 0);
  if (port != 0)
    g_assert_cmpuint (af_discovery_get_port (discovery), ==, port);

  return g_steal_pointer (&discovery);
}

static void
test_listen (void)
{
  g_autoptr(AfDiscovery) discovery = start_discovery (0);
  GListModel *printers = af_discovery_get_printers (discovery);
  guint port = af_discovery_get_port (discovery);
  g_autoptr(AfPrinter) printer = NULL;
  g_autofree char *renamed = NULL;
  guint count = 0;

  g_assert_true (send_datagram ("127.0.0.1", port, FULL_NOTICE));
  WAIT_UNTIL (n_printers (discovery) == 1, 5000);
  g_assert_cmpuint (n_printers (discovery), ==, 1);

  printer = g_list_model_get_item (printers, 0);
  g_assert_cmpstr (af_printer_get_serial (printer), ==, "01S00C123456789");
  g_assert_cmpstr (af_printer_get_host (printer), ==, "192.168.1.50");
  g_assert_cmpstr (af_printer_get_name (printer), ==, "My P1S");
  g_assert_cmpint (af_printer_get_sources (printer), ==, AF_PRINTER_SOURCE_DISCOVERED);

  /* Garbage between notices changes nothing. */
  g_assert_true (send_datagram ("127.0.0.1", port, "garbage\r\n\r\n"));

  /* The same notice again: the same object, no property notifications. */
  g_signal_connect (printer, "notify", G_CALLBACK (count_notify_cb), &count);
  g_assert_true (send_datagram ("127.0.0.1", port, FULL_NOTICE));
  renamed = make_notice ("01S00C123456789", "Renamed", 1);
  g_assert_true (send_datagram ("127.0.0.1", port, renamed));
  WAIT_UNTIL (g_strcmp0 (af_printer_get_name (printer), "Renamed") == 0, 5000);
  g_assert_cmpstr (af_printer_get_name (printer), ==, "Renamed");
  g_assert_cmpuint (n_printers (discovery), ==, 1);
  /* name and host (no Location: the source address) changed; nothing else. */
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpstr (af_printer_get_host (printer), ==, "127.0.0.1");
  g_assert_cmpstr (af_printer_get_firmware (printer), ==, "01.02.00.00");

  /* That notice said max-age=1: with no other, the printer leaves. */
  WAIT_UNTIL (n_printers (discovery) == 0, 5000);
  g_assert_cmpuint (n_printers (discovery), ==, 0);
  g_assert_cmpint (af_printer_get_sources (printer), ==, 0);

  g_signal_handlers_disconnect_by_func (printer, count_notify_cb, &count);
  af_discovery_stop (discovery);
  g_assert_finalize_object (g_steal_pointer (&printer));
  g_assert_finalize_object (g_steal_pointer (&discovery));
}

static void
test_expiry_is_renewed (void)
{
  g_autoptr(AfDiscovery) discovery = start_discovery (0);
  guint port = af_discovery_get_port (discovery);
  g_autofree char *notice = make_notice ("01S00C000000002", "Renewed", 1);
  gint64 start = g_get_monotonic_time ();

  /* A notice every 0.3 s keeps a printer with max-age=1 for 2 s and more. */
  while (g_get_monotonic_time () - start < 2 * G_TIME_SPAN_SECOND)
    {
      g_assert_true (send_datagram ("127.0.0.1", port, notice));
      WAIT_UNTIL (FALSE, 300);
      g_assert_cmpuint (n_printers (discovery), ==, 1);
    }

  WAIT_UNTIL (n_printers (discovery) == 0, 3000);
  g_assert_cmpuint (n_printers (discovery), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&discovery));
}

static void
test_byebye (void)
{
  g_autoptr(AfDiscovery) discovery = start_discovery (0);
  guint port = af_discovery_get_port (discovery);

  g_assert_true (send_datagram ("127.0.0.1", port, FULL_NOTICE));
  WAIT_UNTIL (n_printers (discovery) == 1, 5000);
  g_assert_cmpuint (n_printers (discovery), ==, 1);

  g_assert_true (send_datagram ("127.0.0.1", port,
                                "NOTIFY * HTTP/1.1\r\nNTS: ssdp:byebye\r\n"
                                "USN: 01S00C123456789\r\nDevModel.bambu.com: C12\r\n\r\n"));
  WAIT_UNTIL (n_printers (discovery) == 0, 5000);
  g_assert_cmpuint (n_printers (discovery), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&discovery));
}

static gboolean has_serial (AfDiscovery *discovery,
                            const char  *serial);

static void
test_stop_restart (void)
{
  g_autoptr(AfDiscovery) discovery = start_discovery (0);
  guint port = af_discovery_get_port (discovery);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = make_notice ("01S00C0000000B4", "Before", 60);
  g_autofree char *during = make_notice ("01S00C0000000DU", "During", 60);
  g_autofree char *after = make_notice ("01S00C0000000AF", "After", 60);

  g_assert_true (send_datagram ("127.0.0.1", port, before));
  WAIT_UNTIL (has_serial (discovery, "01S00C0000000B4"), 5000);
  g_assert_true (has_serial (discovery, "01S00C0000000B4"));

  /* Stopped: nothing is read, and the printers seen stay until they expire. */
  af_discovery_stop (discovery);
  g_assert_cmpuint (af_discovery_get_port (discovery), ==, 0);
  send_datagram ("127.0.0.1", port, during);
  WAIT_UNTIL (FALSE, 200);
  g_assert_false (has_serial (discovery, "01S00C0000000DU"));
  g_assert_true (has_serial (discovery, "01S00C0000000B4"));

  /* Started again on the same fixed port. */
  g_object_unref (g_steal_pointer (&discovery));
  discovery = af_discovery_new (port);
  g_assert_true (af_discovery_start (discovery, &error));
  g_assert_no_error (error);
  g_assert_true (af_discovery_start (discovery, &error));
  g_assert_true (send_datagram ("127.0.0.1", port, after));
  WAIT_UNTIL (has_serial (discovery, "01S00C0000000AF"), 5000);
  g_assert_true (has_serial (discovery, "01S00C0000000AF"));

  g_assert_finalize_object (g_steal_pointer (&discovery));
}

static gboolean
has_serial (AfDiscovery *discovery,
            const char  *serial)
{
  GListModel *printers = af_discovery_get_printers (discovery);

  for (guint i = 0; i < g_list_model_get_n_items (printers); i++)
    {
      g_autoptr(AfPrinter) printer = g_list_model_get_item (printers, i);

      if (g_strcmp0 (af_printer_get_serial (printer), serial) == 0)
        return TRUE;
    }

  return FALSE;
}

/* What this proves, on Linux: two listeners (ours twice, standing in for us
 * and a slicer that sets the same options) bind the same fixed port; a
 * datagram broadcast on loopback (127.255.255.255, always routable, like
 * the printers' 255.255.255.255 on a LAN) reaches both; a unicast datagram
 * to 127.0.0.1 reaches exactly one, because the kernel spreads unicast over
 * a SO_REUSEPORT group. Printers broadcast, so every listener sees them.
 */
static void
test_shared_port (void)
{
  g_autoptr(AfDiscovery) first = start_discovery (0);
  guint port = af_discovery_get_port (first);
  g_autoptr(AfDiscovery) second = start_discovery (port);
  g_autofree char *broadcast = make_notice ("01S00C0000000BC", "Broadcast", 60);
  g_autofree char *limited = make_notice ("01S00C0000000FF", "Limited", 60);
  g_autofree char *unicast = make_notice ("01S00C0000000UC", "Unicast", 60);

  g_assert_true (send_datagram ("127.255.255.255", port, broadcast));
  WAIT_UNTIL (has_serial (first, "01S00C0000000BC") && has_serial (second, "01S00C0000000BC"),
              5000);
  g_assert_true (has_serial (first, "01S00C0000000BC"));
  g_assert_true (has_serial (second, "01S00C0000000BC"));

  /* The printers' own destination, where the system has a route for it. */
  if (send_datagram ("255.255.255.255", port, limited))
    {
      WAIT_UNTIL (has_serial (first, "01S00C0000000FF") && has_serial (second, "01S00C0000000FF"),
                  5000);
      g_assert_true (has_serial (first, "01S00C0000000FF"));
      g_assert_true (has_serial (second, "01S00C0000000FF"));
    }
  else
    g_test_message ("No route for 255.255.255.255 here; checked loopback broadcast only");

  g_assert_true (send_datagram ("127.0.0.1", port, unicast));
  WAIT_UNTIL (has_serial (first, "01S00C0000000UC") || has_serial (second, "01S00C0000000UC"),
              5000);
  /* Give a second copy, if there were one, time to arrive. */
  WAIT_UNTIL (FALSE, 200);
  g_assert_cmpint (has_serial (first, "01S00C0000000UC") + has_serial (second, "01S00C0000000UC"),
                   ==, 1);

  g_assert_finalize_object (g_steal_pointer (&second));
  g_assert_finalize_object (g_steal_pointer (&first));
}

/* A slicer's plugin may set SO_REUSEADDR only; Linux lets UDP sockets share
 * a port when both set it, so we can start after it.
 */
static void
test_coexists_with_slicer (void)
{
  g_autoptr(GSocket) slicer = NULL;
  g_autoptr(AfDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *notice = make_notice ("01S00C0000000SL", "Shared", 60);
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_ANY) };
  socklen_t length = sizeof address;
  char buffer[1024];
  int one = 1;
  int fd;

  /* Plain POSIX, so nothing but SO_REUSEADDR (and SO_BROADCAST) is set. */
  fd = socket (AF_INET, SOCK_DGRAM, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), ==, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one), ==, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *)&address, sizeof address), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&address, &length), ==, 0);
  slicer = g_socket_new_from_fd (fd, &error);
  g_assert_no_error (error);

  discovery = start_discovery (ntohs (address.sin_port));

  g_assert_true (send_datagram ("127.255.255.255", ntohs (address.sin_port), notice));
  WAIT_UNTIL (has_serial (discovery, "01S00C0000000SL"), 5000);
  g_assert_true (has_serial (discovery, "01S00C0000000SL"));
  g_socket_set_timeout (slicer, 5);
  g_assert_cmpint (g_socket_receive (slicer, buffer, sizeof buffer, NULL, &error), ==,
                   strlen (notice));
  g_assert_no_error (error);

  g_assert_finalize_object (g_steal_pointer (&discovery));
}

static void
test_port_taken (void)
{
  g_autoptr(GSocket) exclusive = NULL;
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(AfDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;

  /* A program that does not share its port. */
  exclusive = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                            G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (exclusive, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (exclusive, &error);
  g_assert_no_error (error);

  discovery = af_discovery_new (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_assert_false (af_discovery_start (discovery, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "UDP port"));

  g_assert_finalize_object (g_steal_pointer (&discovery));
}

static void
test_flood_is_bounded (void)
{
  g_autoptr(AfDiscovery) discovery = start_discovery (0);
  guint port = af_discovery_get_port (discovery);

  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *serial = g_strdup_printf ("FLOOD%05u", i);
      g_autofree char *notice = make_notice (serial, "Flood", 60);

      g_assert_true (send_datagram ("127.0.0.1", port, notice));
      /* Let the listener drain its socket before the kernel's buffer fills. */
      if (i % 8 == 0)
        WAIT_UNTIL (FALSE, 5);
    }

  WAIT_UNTIL (n_printers (discovery) >= 256, 5000);
  WAIT_UNTIL (FALSE, 200);
  g_assert_cmpuint (n_printers (discovery), ==, 256);

  g_assert_finalize_object (g_steal_pointer (&discovery));
}

/* --- The virtual printer ------------------------------------------------ */

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;
  g_autoptr(GError) error = NULL;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result,
                                                     NULL, &error);
  if (*line == NULL)
    *line = g_strdup ("");
}

static void
test_virtual_printer (void)
{
  const char *script = g_getenv ("AF_VIRTUAL_PRINTER");
  g_autoptr(AfDiscovery) discovery = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  g_autofree char *line = NULL;
  const char *serial;
  gint64 ready;
  gint64 stopped;
  gint64 gone;

  if (script == NULL || !g_file_test (script, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("The virtual printer (AF_VIRTUAL_PRINTER) is not there");
      return;
    }

  discovery = start_discovery (0);
  target = g_strdup_printf ("127.0.0.1:%u", af_discovery_get_port (discovery));
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                              &error, "/usr/bin/python3", script, "--ssdp-target", target,
                              "--ssdp-interval", "1", "--max-age", "3", "--name", "VP Discovery",
                              NULL);
  g_assert_no_error (error);

  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (output, G_PRIORITY_DEFAULT, NULL, read_line_cb, &line);
  WAIT_UNTIL (line != NULL, 30000);
  g_assert_nonnull (line);
  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  serial = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                          "serial");
  ready = g_get_monotonic_time ();

  /* Within one interval of the ready line (plus scheduling slack). */
  WAIT_UNTIL (has_serial (discovery, serial), 1500);
  g_assert_true (has_serial (discovery, serial));
  g_test_message ("Seen %.2f s after the ready line",
                  (g_get_monotonic_time () - ready) / (double) G_TIME_SPAN_SECOND);

  /* Kept past max-age while it runs: later notices renew the expiry. */
  WAIT_UNTIL (FALSE, 4000);
  g_assert_true (has_serial (discovery, serial));

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  stopped = g_get_monotonic_time ();
  g_assert_true (has_serial (discovery, serial));

  /* No more notices: gone at most max-age (3 s) after the last one. */
  WAIT_UNTIL (!has_serial (discovery, serial), 5000);
  gone = g_get_monotonic_time ();
  g_assert_false (has_serial (discovery, serial));
  g_assert_cmpint (gone - stopped, <=, 3 * G_TIME_SPAN_SECOND + 500 * G_TIME_SPAN_MILLISECOND);
  /* …and not long before: the last notice was at most one interval before the stop. */
  g_assert_cmpint (gone - stopped, >=, 1 * G_TIME_SPAN_SECOND);

  g_assert_finalize_object (g_steal_pointer (&discovery));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/af/discovery/parse/full-header-set", test_parse_full);
  g_test_add_func ("/af/discovery/parse/mixed-case", test_parse_mixed_case);
  g_test_add_func ("/af/discovery/parse/missing-location", test_parse_missing_location);
  g_test_add_func ("/af/discovery/parse/response", test_parse_response);
  g_test_add_func ("/af/discovery/parse/rejects", test_parse_rejects);
  g_test_add_func ("/af/discovery/parse/bounds", test_parse_bounds);
  g_test_add_func ("/af/discovery/printer/properties", test_printer_properties);
  g_test_add_func ("/af/discovery/listen", test_listen);
  g_test_add_func ("/af/discovery/expiry-renewed", test_expiry_is_renewed);
  g_test_add_func ("/af/discovery/byebye", test_byebye);
  g_test_add_func ("/af/discovery/stop-restart", test_stop_restart);
  g_test_add_func ("/af/discovery/shared-port", test_shared_port);
  g_test_add_func ("/af/discovery/coexists-with-slicer", test_coexists_with_slicer);
  g_test_add_func ("/af/discovery/port-taken", test_port_taken);
  g_test_add_func ("/af/discovery/flood-bounded", test_flood_is_bounded);
  g_test_add_func ("/af/discovery/virtual-printer", test_virtual_printer);

  return g_test_run ();
}
