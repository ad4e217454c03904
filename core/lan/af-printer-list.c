/* af-printer-list.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

#include "af-lan-error.h"
#include "af-printer-list.h"
#include "af-secrets.h"
#include "af-tls.h"

#define PRINTERS_FILE "printers.ini"
#define LOCK_FILE     "printers.ini.lock"
/* A save holds the lock for a read and a small write; another process
 * holding it longer than this is stuck.
 */
#define LOCK_TIMEOUT_USEC (5 * G_USEC_PER_SEC)
#define MAX_SERIAL    64

struct _AfPrinterList
{
  GObject      parent_instance;

  char        *config_dir;
  char        *path;
  /* What printers.ini held at load, then what we last wrote: the base of
   * the three-way merge in af_printer_list_save(). Groups and keys that a
   * newer version added survive our saves.
   */
  GKeyFile    *keyfile;
  gboolean     loaded;
  GListStore  *printers;

  AfDiscovery *discovery;
  GListModel  *discovered;
  /* The discovery's items as last seen, so removals can be told apart. */
  GPtrArray   *mirror;

  /* New addresses of saved printers: serial → the address being checked,
   * or last refused (not tried again while notices keep repeating it).
   */
  GHashTable  *address_checks;
  GCancellable *cancellable;
  gboolean     allow_loopback;
};

enum {
  PROP_0,
  PROP_ALLOW_LOOPBACK,
  N_PROPS
};

enum {
  ADDRESS_CHECKED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void af_printer_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AfPrinterList, af_printer_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      af_printer_list_model_init))

/* --- GListModel --------------------------------------------------------- */

static GType
af_printer_list_get_item_type (GListModel *model)
{
  return AF_TYPE_PRINTER;
}

static guint
af_printer_list_get_n_items (GListModel *model)
{
  AfPrinterList *self = AF_PRINTER_LIST (model);

  return g_list_model_get_n_items (G_LIST_MODEL (self->printers));
}

static gpointer
af_printer_list_get_item (GListModel *model,
                          guint       position)
{
  AfPrinterList *self = AF_PRINTER_LIST (model);

  return g_list_model_get_item (G_LIST_MODEL (self->printers), position);
}

static void
af_printer_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = af_printer_list_get_item_type;
  iface->get_n_items = af_printer_list_get_n_items;
  iface->get_item = af_printer_list_get_item;
}

static void
store_items_changed_cb (AfPrinterList *self,
                        guint          position,
                        guint          removed,
                        guint          added,
                        GListModel    *store)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

/* --- Helpers ------------------------------------------------------------ */

/* Serials become group names in printers.ini and attributes in the
 * keyring: letters, digits, '-', '_' and '.' only, as printers use.
 */
static gboolean
serial_is_valid (const char *serial)
{
  gsize length = serial != NULL ? strlen (serial) : 0;

  if (length == 0 || length > MAX_SERIAL)
    return FALSE;

  for (const char *p = serial; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
        return FALSE;
    }

  return TRUE;
}

static AfPrinter *
find_printer (AfPrinterList *self,
              const char    *serial,
              guint         *position)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->printers));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(AfPrinter) printer = g_list_model_get_item (G_LIST_MODEL (self->printers), i);

      if (g_strcmp0 (af_printer_get_serial (printer), serial) == 0)
        {
          if (position != NULL)
            *position = i;
          /* The store keeps its own reference. */
          return printer;
        }
    }

  return NULL;
}

static void
drop_source (AfPrinterList   *self,
             AfPrinter       *printer,
             AfPrinterSource  source)
{
  AfPrinterSource sources = af_printer_get_sources (printer) & ~source;
  guint position;

  af_printer_set_sources (printer, sources);
  if (sources == 0 && g_list_store_find (self->printers, printer, &position))
    g_list_store_remove (self->printers, position);
}

/* The fields a user enters for a manual printer. NULL name and model keep
 * what discovery or an earlier entry said.
 */
static void
apply_manual_fields (AfPrinter *printer,
                     AfPrinter *entry)
{
  if (printer == entry)
    return;

  af_printer_set_host (printer, af_printer_get_host (entry));
  if (af_printer_get_name (entry) != NULL)
    af_printer_set_name (printer, af_printer_get_name (entry));
  if (af_printer_get_model (entry) != NULL)
    af_printer_set_model (printer, af_printer_get_model (entry));
  af_printer_set_mqtt_port (printer, af_printer_get_mqtt_port (entry));
  af_printer_set_ftps_port (printer, af_printer_get_ftps_port (entry));
  af_printer_set_ca_file (printer, af_printer_get_ca_file (entry));
  af_printer_set_fingerprint (printer, af_printer_get_fingerprint (entry));
}

/* Merges a manual entry into the list and returns the list's object. */
static AfPrinter *
merge_manual (AfPrinterList *self,
              AfPrinter     *entry)
{
  AfPrinter *printer = find_printer (self, af_printer_get_serial (entry), NULL);

  if (printer == NULL)
    {
      g_autoptr(AfPrinter) created = af_printer_new (af_printer_get_serial (entry));

      apply_manual_fields (created, entry);
      af_printer_set_sources (created, AF_PRINTER_SOURCE_MANUAL);
      g_list_store_append (self->printers, created);
      return created;
    }

  apply_manual_fields (printer, entry);
  af_printer_set_sources (printer, af_printer_get_sources (printer) | AF_PRINTER_SOURCE_MANUAL);

  return printer;
}

/* --- Discovery ---------------------------------------------------------- */

/* --- New addresses of saved printers ------------------------------------ */

static gboolean
is_manual (AfPrinter *printer)
{
  return printer != NULL && (af_printer_get_sources (printer) & AF_PRINTER_SOURCE_MANUAL) != 0;
}


typedef struct
{
  char *serial;
  char *host;
  guint port;
  char *ca_file;
  char *fingerprint;
} AddressCheck;

static void
address_check_free (AddressCheck *check)
{
  g_free (check->serial);
  g_free (check->host);
  g_free (check->ca_file);
  g_free (check->fingerprint);
  g_free (check);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AddressCheck, address_check_free)

/* Where a saved printer may move to on a notice's word: a private (RFC 1918,
 * IPv6 unique local) or link-local address. Loopback only when the list
 * allows it (tests and the bundled virtual printer run there); public
 * addresses and host names never.
 */
static gboolean
is_candidate_address (AfPrinterList *self,
                      const char    *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);
  const guint8 *bytes;

  if (address == NULL)
    return FALSE;
  if (g_inet_address_get_is_loopback (address))
    return self->allow_loopback;
  if (g_inet_address_get_is_site_local (address) || g_inet_address_get_is_link_local (address))
    return TRUE;

  bytes = g_inet_address_to_bytes (address);
  return g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 && (bytes[0] & 0xfe) == 0xfc;
}

static void
verify_address_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  AddressCheck *check = task_data;
  g_autoptr(AfTlsPolicy) policy = af_tls_policy_new (check->serial, check->ca_file,
                                                     check->fingerprint);
  GError *error = NULL;

  if (af_tls_verify_identity (check->host, check->port, policy, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Whether the printer still is what was checked: same serial, same trust. */
static gboolean
check_still_applies (AddressCheck *check,
                     AfPrinter    *printer)
{
  return is_manual (printer)
         && g_strcmp0 (af_printer_get_ca_file (printer), check->ca_file) == 0
         && g_strcmp0 (af_printer_get_fingerprint (printer), check->fingerprint) == 0;
}

static void
verify_address_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(AfPrinterList) self = g_weak_ref_get (weak);
  AddressCheck *check = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) save_error = NULL;
  g_autofree char *tail = NULL;
  AfPrinter *printer;
  gboolean adopted;

  g_weak_ref_clear (weak);
  g_free (weak);
  adopted = g_task_propagate_boolean (G_TASK (result), &error);
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  printer = find_printer (self, check->serial, NULL);
  if (printer == NULL || !check_still_applies (check, printer))
    {
      g_hash_table_remove (self->address_checks, check->serial);
      return;
    }

  tail = af_printer_dup_redacted_serial (printer);
  if (adopted)
    {
      g_debug ("Printer %s verified at its new address; adopting it", tail);
      g_hash_table_remove (self->address_checks, check->serial);
      af_printer_set_host (printer, check->host);
      if (!af_printer_list_save (self, &save_error))
        g_debug ("Could not save the printer’s new address: %s", save_error->message);
    }
  else
    {
      /* Kept, so the same address is not tried on every notice. */
      g_debug ("Printer %s: a notice names another address, which did not verify: %s",
               tail, error->message);
    }

  g_signal_emit (self, signals[ADDRESS_CHECKED], 0, printer, check->host, adopted);
}

/* A notice names another address for a saved printer: it is tried in a
 * thread (a TLS handshake under the printer's saved pin, or CA + serial,
 * that sends nothing) and adopted and saved only once it verifies.
 */
static void
consider_new_address (AfPrinterList *self,
                      AfPrinter     *printer,
                      const char    *host)
{
  g_autoptr(GTask) task = NULL;
  AddressCheck *check;
  GWeakRef *weak;
  const char *serial = af_printer_get_serial (printer);
  guint port = af_printer_get_mqtt_port (printer);

  if (host == NULL || g_strcmp0 (g_hash_table_lookup (self->address_checks, serial), host) == 0)
    return;
  if (!is_candidate_address (self, host))
    {
      g_debug ("Ignoring a notice that moves a saved printer to a loopback or public address");
      return;
    }

  check = g_new0 (AddressCheck, 1);
  check->serial = g_strdup (serial);
  check->host = g_strdup (host);
  check->port = port != 0 ? port : AF_PRINTER_DEFAULT_MQTT_PORT;
  check->ca_file = g_strdup (af_printer_get_ca_file (printer));
  check->fingerprint = g_strdup (af_printer_get_fingerprint (printer));
  g_hash_table_replace (self->address_checks, g_strdup (serial), g_strdup (host));

  /* The list may go while the check runs (up to the connect timeout): the
   * task holds it weakly, and its dispose cancels the check.
   */
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  task = g_task_new (NULL, self->cancellable, verify_address_cb, weak);
  g_task_set_source_tag (task, consider_new_address);
  g_task_set_name (task, "[af] verify printer address");
  g_task_set_task_data (task, check, (GDestroyNotify) address_check_free);
  g_task_run_in_thread (task, verify_address_thread);
}

/* What a notice says wins over a manual entry, except the name the user
 * chose for it. A notice never moves a saved printer by itself: another
 * address goes through consider_new_address(), and until that adopts it the
 * notice changes nothing.
 */
static void
copy_discovered (AfPrinterList *self,
                 AfPrinter     *printer,
                 AfPrinter     *found)
{
  gboolean manual = (af_printer_get_sources (printer) & AF_PRINTER_SOURCE_MANUAL) != 0;

  if (manual && g_strcmp0 (af_printer_get_host (printer), af_printer_get_host (found)) != 0)
    {
      consider_new_address (self, printer, af_printer_get_host (found));
      return;
    }

  af_printer_set_host (printer, af_printer_get_host (found));
  af_printer_set_model (printer, af_printer_get_model (found));
  if (!manual || af_printer_get_name (printer) == NULL)
    af_printer_set_name (printer, af_printer_get_name (found));
  if (af_printer_get_firmware (found) != NULL)
    af_printer_set_firmware (printer, af_printer_get_firmware (found));
  af_printer_set_lan_only (printer, af_printer_get_lan_only (found));
  af_printer_set_bound (printer, af_printer_get_bound (found));
}

static void
discovered_notify_cb (AfPrinter     *found,
                      GParamSpec    *pspec,
                      AfPrinterList *self)
{
  AfPrinter *printer;

  /* The discovery clears its own flag as a printer leaves; the list's
   * flags follow the model instead.
   */
  if (g_strcmp0 (pspec->name, "sources") == 0)
    return;

  printer = find_printer (self, af_printer_get_serial (found), NULL);
  if (printer != NULL)
    copy_discovered (self, printer, found);
}

static void
adopt_discovered (AfPrinterList *self,
                  AfPrinter     *found)
{
  AfPrinter *printer = find_printer (self, af_printer_get_serial (found), NULL);

  if (printer == NULL)
    {
      g_autoptr(AfPrinter) created = af_printer_new (af_printer_get_serial (found));

      copy_discovered (self, created, found);
      af_printer_set_sources (created, AF_PRINTER_SOURCE_DISCOVERED);
      g_list_store_append (self->printers, created);
    }
  else
    {
      copy_discovered (self, printer, found);
      af_printer_set_sources (printer,
                              af_printer_get_sources (printer) | AF_PRINTER_SOURCE_DISCOVERED);
    }

  g_signal_connect_object (found, "notify", G_CALLBACK (discovered_notify_cb), self, 0);
}

static void
forget_discovered (AfPrinterList *self,
                   AfPrinter     *found)
{
  AfPrinter *printer;

  g_signal_handlers_disconnect_by_func (found, discovered_notify_cb, self);

  printer = find_printer (self, af_printer_get_serial (found), NULL);
  if (printer != NULL)
    drop_source (self, printer, AF_PRINTER_SOURCE_DISCOVERED);
}

static void
discovered_items_changed_cb (AfPrinterList *self,
                             guint          position,
                             guint          removed,
                             guint          added,
                             GListModel    *model)
{
  g_assert (position + removed <= self->mirror->len);

  for (guint i = 0; i < removed; i++)
    forget_discovered (self, g_ptr_array_index (self->mirror, position + i));
  g_ptr_array_remove_range (self->mirror, position, removed);

  for (guint i = 0; i < added; i++)
    {
      AfPrinter *found = g_list_model_get_item (model, position + i);

      g_ptr_array_insert (self->mirror, position + i, found);
      adopt_discovered (self, found);
    }
}

static void
unfollow_discovery (AfPrinterList *self)
{
  if (self->discovered == NULL)
    return;

  g_signal_handlers_disconnect_by_func (self->discovered, discovered_items_changed_cb, self);
  discovered_items_changed_cb (self, 0, self->mirror->len, 0, self->discovered);
  g_clear_object (&self->discovered);
  g_clear_object (&self->discovery);
}

void
af_printer_list_set_discovery (AfPrinterList *self,
                               AfDiscovery   *discovery)
{
  g_return_if_fail (AF_IS_PRINTER_LIST (self));
  g_return_if_fail (discovery == NULL || AF_IS_DISCOVERY (discovery));

  if (self->discovery == discovery)
    return;

  unfollow_discovery (self);
  if (discovery == NULL)
    return;

  self->discovery = g_object_ref (discovery);
  self->discovered = g_object_ref (af_discovery_get_printers (discovery));
  g_signal_connect_object (self->discovered, "items-changed",
                           G_CALLBACK (discovered_items_changed_cb), self, G_CONNECT_SWAPPED);
  discovered_items_changed_cb (self, 0, 0, g_list_model_get_n_items (self->discovered),
                               self->discovered);
}

/* --- printers.ini ------------------------------------------------------- */

static void
set_or_remove (GKeyFile   *keyfile,
               const char *group,
               const char *key,
               const char *value)
{
  if (value != NULL)
    g_key_file_set_string (keyfile, group, key, value);
  else
    g_key_file_remove_key (keyfile, group, key, NULL);
}

static void
write_group (GKeyFile  *keyfile,
             AfPrinter *printer)
{
  const char *group = af_printer_get_serial (printer);

  set_or_remove (keyfile, group, "host", af_printer_get_host (printer));
  set_or_remove (keyfile, group, "name", af_printer_get_name (printer));
  set_or_remove (keyfile, group, "model", af_printer_get_model (printer));
  g_key_file_set_integer (keyfile, group, "mqtt-port", af_printer_get_mqtt_port (printer));
  g_key_file_set_integer (keyfile, group, "ftps-port", af_printer_get_ftps_port (printer));
  set_or_remove (keyfile, group, "ca-file", af_printer_get_ca_file (printer));
  set_or_remove (keyfile, group, "fingerprint", af_printer_get_fingerprint (printer));
}

static guint
get_port (GKeyFile   *keyfile,
          const char *group,
          const char *key)
{
  g_autoptr(GError) error = NULL;
  gint port = g_key_file_get_integer (keyfile, group, key, &error);

  /* 0 is the printers' fixed port (af_printer_set_mqtt_port()). */
  if (error != NULL || port < 0 || port > G_MAXUINT16)
    return 0;

  return (guint) port;
}

static AfPrinter *
printer_from_group (GKeyFile   *keyfile,
                    const char *group)
{
  g_autoptr(AfPrinter) printer = af_printer_new (group);
  g_autofree char *host = g_key_file_get_string (keyfile, group, "host", NULL);
  g_autofree char *name = g_key_file_get_string (keyfile, group, "name", NULL);
  g_autofree char *model = g_key_file_get_string (keyfile, group, "model", NULL);
  g_autofree char *ca_file = g_key_file_get_string (keyfile, group, "ca-file", NULL);
  g_autofree char *fingerprint = g_key_file_get_string (keyfile, group, "fingerprint", NULL);

  af_printer_set_host (printer, host);
  af_printer_set_name (printer, name);
  af_printer_set_model (printer, model);
  af_printer_set_mqtt_port (printer, get_port (keyfile, group, "mqtt-port"));
  af_printer_set_ftps_port (printer, get_port (keyfile, group, "ftps-port"));
  af_printer_set_ca_file (printer, ca_file);
  af_printer_set_fingerprint (printer, fingerprint);

  return g_steal_pointer (&printer);
}

static const char *const group_keys[] = {
  "host", "name", "model", "mqtt-port", "ftps-port", "ca-file", "fingerprint",
};

/* Whether this list changed the printer's group since the base: added,
 * removed, or any of its fields.
 */
static gboolean
changed_here (AfPrinterList *self,
              AfPrinter     *printer,
              const char    *serial)
{
  gboolean ours = is_manual (printer);
  g_autoptr(GKeyFile) mine = NULL;

  if (ours != g_key_file_has_group (self->keyfile, serial))
    return TRUE;
  if (!ours)
    return FALSE;

  mine = g_key_file_new ();
  write_group (mine, printer);
  for (guint i = 0; i < G_N_ELEMENTS (group_keys); i++)
    {
      g_autofree char *a = g_key_file_get_value (mine, serial, group_keys[i], NULL);
      g_autofree char *b = g_key_file_get_value (self->keyfile, serial, group_keys[i], NULL);

      if (g_strcmp0 (a, b) != 0)
        return TRUE;
    }

  return FALSE;
}

/* Three-way merge of the file as it is now on disk (written meanwhile by
 * the window or the command line) with this list's changes since its base:
 * a printer this list added, changed or removed is written as the list has
 * it; every other printer is taken from disk, and the list follows (a
 * printer added elsewhere appears, one removed elsewhere goes).
 */
static void
merge_into (AfPrinterList *self,
            GKeyFile      *disk)
{
  g_autoptr(GHashTable) serials = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(GStrv) base_groups = g_key_file_get_groups (self->keyfile, NULL);
  g_auto(GStrv) disk_groups = g_key_file_get_groups (disk, NULL);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->printers));
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer serial;

  for (guint i = 0; base_groups[i] != NULL; i++)
    g_hash_table_add (serials, base_groups[i]);
  for (guint i = 0; disk_groups[i] != NULL; i++)
    g_hash_table_add (serials, disk_groups[i]);
  for (guint i = 0; i < n_items; i++)
    {
      AfPrinter *printer = g_list_model_get_item (G_LIST_MODEL (self->printers), i);

      g_ptr_array_add (keep, printer);
      if (is_manual (printer))
        g_hash_table_add (serials, (gpointer) af_printer_get_serial (printer));
    }

  g_hash_table_iter_init (&iter, serials);
  while (g_hash_table_iter_next (&iter, &serial, NULL))
    {
      AfPrinter *printer = find_printer (self, serial, NULL);

      /* Not a printer of ours (af_printer_list_load() skipped it). */
      if (!serial_is_valid (serial))
        g_key_file_remove_group (disk, serial, NULL);
      else if (changed_here (self, printer, serial))
        {
          if (is_manual (printer))
            write_group (disk, printer);
          else
            g_key_file_remove_group (disk, serial, NULL);
        }
      else if (g_key_file_has_group (disk, serial))
        {
          g_autoptr(AfPrinter) entry = printer_from_group (disk, serial);

          merge_manual (self, entry);
        }
      else if (printer != NULL)
        {
          drop_source (self, printer, AF_PRINTER_SOURCE_MANUAL);
        }
    }

  g_key_file_set_comment (disk, NULL, NULL,
                          " AtomForm Connect: printers added by hand. Access codes are kept in"
                          "\n the keyring, never here.", NULL);
}

/* An exclusive flock(2) on printers.ini.lock beside the file, held from the
 * re-read to the rename; -1 with an error when it cannot be had in time.
 */
static int
lock_printers_file (AfPrinterList  *self,
                    GError        **error)
{
  g_autofree char *path = g_build_filename (self->config_dir, LOCK_FILE, NULL);
  gint64 deadline = g_get_monotonic_time () + LOCK_TIMEOUT_USEC;
  int saved_errno;
  int fd;

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  while (fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      if ((errno != EWOULDBLOCK && errno != EINTR) || g_get_monotonic_time () > deadline)
        {
          saved_errno = errno;
          close (fd);
          errno = saved_errno;
          fd = -1;
          break;
        }
      g_usleep (20 * G_TIME_SPAN_MILLISECOND);
    }
  if (fd >= 0)
    return fd;

  saved_errno = errno;
  g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
               /* Translators: %s is a file path, then the reason. */
               _("Could not lock the list of printers (%s): %s. Close other windows or "
                 "commands of AtomForm Connect, then try again."),
               path, g_strerror (saved_errno));
  return -1;
}

/* The file as it is now; an empty key file when there is none. */
static GKeyFile *
read_disk (AfPrinterList  *self,
           GError        **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  if (g_key_file_load_from_file (keyfile, self->path, G_KEY_FILE_KEEP_COMMENTS, &local_error)
      || g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return g_steal_pointer (&keyfile);

  g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
               /* Translators: %s is a file path, then the reason. */
               _("Could not read the list of printers from %s: %s. "
                 "Fix or remove the file, then try again."),
               self->path, local_error->message);
  return NULL;
}

gboolean
af_printer_list_load (AfPrinterList  *self,
                      GError        **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (AF_IS_PRINTER_LIST (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_key_file_load_from_file (keyfile, self->path, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          self->loaded = TRUE;
          return TRUE;
        }

      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                   /* Translators: %s is a file path, then the reason. */
                   _("Could not read the list of printers from %s: %s. "
                     "Fix or remove the file, then try again."),
                   self->path, local_error->message);
      return FALSE;
    }

  g_clear_pointer (&self->keyfile, g_key_file_unref);
  self->keyfile = g_key_file_ref (keyfile);
  self->loaded = TRUE;

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(AfPrinter) entry = NULL;

      if (!serial_is_valid (groups[i]))
        {
          g_debug ("Ignoring a group of %s that is not a serial", self->path);
          continue;
        }

      entry = printer_from_group (keyfile, groups[i]);
      merge_manual (self, entry);
    }

  return TRUE;
}

static gboolean
ensure_loaded (AfPrinterList  *self,
               GError        **error)
{
  /* Saving before loading would overwrite the file with a partial list. */
  return self->loaded || af_printer_list_load (self, error);
}

/* Writes the file atomically (g_file_set_contents), readable by the user only:
 * it says which printers they own and where. Under the lock, the file is read
 * again right before the write and merged (merge_into()), so a save by the
 * window and one by the command line never lose each other's printers.
 */
static gboolean
write_locked (AfPrinterList  *self,
              GError        **error)
{
  g_autoptr(GKeyFile) disk = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length;

  disk = read_disk (self, error);
  if (disk == NULL)
    return FALSE;

  merge_into (self, disk);
  data = g_key_file_to_data (disk, &length, NULL);
  if (!g_file_set_contents_full (self->path, data, length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, &local_error))
    {
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                   /* Translators: %s is a file path, then the reason. */
                   _("Could not save the list of printers to %s: %s"),
                   self->path, local_error->message);
      return FALSE;
    }

  g_clear_pointer (&self->keyfile, g_key_file_unref);
  self->keyfile = g_steal_pointer (&disk);
  return TRUE;
}

gboolean
af_printer_list_save (AfPrinterList  *self,
                      GError        **error)
{
  gboolean ok;
  int lock;

  g_return_val_if_fail (AF_IS_PRINTER_LIST (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ensure_loaded (self, error))
    return FALSE;

  if (g_mkdir_with_parents (self->config_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                   /* Translators: %s is a folder, then the reason. */
                   _("Could not create the folder %s: %s"),
                   self->config_dir, g_strerror (saved_errno));
      return FALSE;
    }

  lock = lock_printers_file (self, error);
  if (lock < 0)
    return FALSE;
  ok = write_locked (self, error);
  close (lock);

  return ok;
}

/* --- Add and remove ----------------------------------------------------- */

static void
finish_add (GTask     *task,
            AfPrinter *entry)
{
  AfPrinterList *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  AfPrinter *printer;

  /* The file is small and local, so it is written here, on the main
   * context: saves then happen in the order of the changes.
   */
  printer = merge_manual (self, entry);
  if (!af_printer_list_save (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The caller gets the list's object without a reference of its own
   * (transfer none); the task keeps it alive until the callback returns.
   */
  g_task_set_task_data (task, g_object_ref (printer), g_object_unref);
  g_task_return_pointer (task, printer, NULL);
}

static void
store_code_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!af_secrets_store_access_code_finish (result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  finish_add (task, g_task_get_task_data (task));
}

/* access_code NULL keeps the code already in the keyring. */
void
af_printer_list_add_async (AfPrinterList       *self,
                           AfPrinter           *printer,
                           const char          *access_code,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *serial;

  g_return_if_fail (AF_IS_PRINTER_LIST (self));
  g_return_if_fail (AF_IS_PRINTER (printer));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_printer_list_add_async);
  g_task_set_task_data (task, g_object_ref (printer), g_object_unref);

  serial = af_printer_get_serial (printer);
  if (!serial_is_valid (serial))
    {
      g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                               _("This is not a printer serial number. Copy it from the "
                                 "printer’s screen: letters and digits only."));
      return;
    }
  if (af_printer_get_host (printer) == NULL)
    {
      g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                               _("Enter the printer’s IP address or host name."));
      return;
    }

  if (access_code == NULL || *access_code == '\0')
    {
      finish_add (task, printer);
      return;
    }

  af_secrets_store_access_code_async (serial, NULL, access_code, cancellable,
                                      store_code_cb, g_steal_pointer (&task));
}

AfPrinter *
af_printer_list_add_finish (AfPrinterList  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (AF_IS_PRINTER_LIST (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == af_printer_list_add_async,
                        NULL);

  /* Transfer none, like af_printer_list_lookup(): the list holds it. */
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_code_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfPrinterList *self = g_task_get_source_object (task);
  const char *serial = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  AfPrinter *printer;
  gboolean in_file;

  if (!af_secrets_clear_access_code_finish (result, &error) ||
      !ensure_loaded (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  printer = find_printer (self, serial, NULL);
  in_file = g_key_file_has_group (self->keyfile, serial);
  if (printer == NULL && !in_file)
    {
      g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_NOT_FOUND,
                               _("There is no such printer in the list."));
      return;
    }

  /* A printer that discovery still sees stays, as a discovered one. */
  if (printer != NULL)
    drop_source (self, printer, AF_PRINTER_SOURCE_MANUAL);

  if (!af_printer_list_save (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
af_printer_list_remove_async (AfPrinterList       *self,
                              const char          *serial,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AF_IS_PRINTER_LIST (self));
  g_return_if_fail (serial != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_printer_list_remove_async);
  g_task_set_task_data (task, g_strdup (serial), g_free);

  if (!serial_is_valid (serial))
    {
      g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_NOT_FOUND,
                               _("There is no such printer in the list."));
      return;
    }

  /* The code goes first: a printer is only forgotten once its code is. */
  af_secrets_clear_access_code_async (serial, cancellable, clear_code_cb,
                                      g_steal_pointer (&task));
}

gboolean
af_printer_list_remove_finish (AfPrinterList  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (AF_IS_PRINTER_LIST (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == af_printer_list_remove_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- Cloud bindings ------------------------------------------------------ */

AfPrinter *
af_printer_list_add_cloud (AfPrinterList *self,
                           const char    *serial,
                           const char    *name,
                           const char    *model)
{
  AfPrinter *printer;

  g_return_val_if_fail (AF_IS_PRINTER_LIST (self), NULL);
  g_return_val_if_fail (serial != NULL, NULL);

  printer = find_printer (self, serial, NULL);
  if (printer == NULL)
    {
      g_autoptr(AfPrinter) created = af_printer_new (serial);

      af_printer_set_name (created, name);
      af_printer_set_model (created, model);
      af_printer_set_sources (created, AF_PRINTER_SOURCE_CLOUD);
      g_list_store_append (self->printers, created);
      return created;
    }

  /* The name the user gave a saved printer wins over the account's. */
  if (af_printer_get_name (printer) == NULL)
    af_printer_set_name (printer, name);
  if (af_printer_get_model (printer) == NULL && model != NULL)
    af_printer_set_model (printer, model);
  af_printer_set_sources (printer, af_printer_get_sources (printer) | AF_PRINTER_SOURCE_CLOUD);

  return printer;
}

void
af_printer_list_remove_cloud (AfPrinterList *self,
                              const char    *serial)
{
  AfPrinter *printer;

  g_return_if_fail (AF_IS_PRINTER_LIST (self));
  g_return_if_fail (serial != NULL);

  printer = find_printer (self, serial, NULL);
  if (printer != NULL)
    drop_source (self, printer, AF_PRINTER_SOURCE_CLOUD);
}

/* --- The object --------------------------------------------------------- */

AfPrinter *
af_printer_list_lookup (AfPrinterList *self,
                        const char    *name_or_serial)
{
  g_autofree char *folded = NULL;
  guint n_items;
  AfPrinter *printer;

  g_return_val_if_fail (AF_IS_PRINTER_LIST (self), NULL);
  g_return_val_if_fail (name_or_serial != NULL, NULL);

  printer = find_printer (self, name_or_serial, NULL);
  if (printer != NULL)
    return printer;

  /* Then by name, ignoring case, as people type it on a command line. */
  folded = g_utf8_casefold (name_or_serial, -1);
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->printers));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(AfPrinter) item = g_list_model_get_item (G_LIST_MODEL (self->printers), i);
      g_autofree char *name = NULL;

      if (af_printer_get_name (item) == NULL)
        continue;

      name = g_utf8_casefold (af_printer_get_name (item), -1);
      if (g_strcmp0 (name, folded) == 0)
        return item;
    }

  return NULL;
}

static void
af_printer_list_dispose (GObject *object)
{
  AfPrinterList *self = (AfPrinterList *)object;

  g_cancellable_cancel (self->cancellable);

  if (self->discovered != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->discovered, discovered_items_changed_cb, self);
      for (guint i = 0; i < self->mirror->len; i++)
        g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->mirror, i),
                                              discovered_notify_cb, self);
    }
  g_ptr_array_set_size (self->mirror, 0);
  g_clear_object (&self->discovered);
  g_clear_object (&self->discovery);
  if (self->printers != NULL)
    g_signal_handlers_disconnect_by_func (self->printers, store_items_changed_cb, self);
  g_clear_object (&self->printers);

  G_OBJECT_CLASS (af_printer_list_parent_class)->dispose (object);
}

static void
af_printer_list_finalize (GObject *object)
{
  AfPrinterList *self = (AfPrinterList *)object;

  g_clear_pointer (&self->mirror, g_ptr_array_unref);
  g_clear_pointer (&self->address_checks, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->keyfile, g_key_file_unref);
  g_clear_pointer (&self->config_dir, g_free);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (af_printer_list_parent_class)->finalize (object);
}

static void
af_printer_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AfPrinterList *self = AF_PRINTER_LIST (object);

  switch (prop_id)
    {
    case PROP_ALLOW_LOOPBACK:
      g_value_set_boolean (value, self->allow_loopback);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_printer_list_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AfPrinterList *self = AF_PRINTER_LIST (object);

  switch (prop_id)
    {
    case PROP_ALLOW_LOOPBACK:
      af_printer_list_set_allow_loopback (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_printer_list_class_init (AfPrinterListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = af_printer_list_dispose;
  object_class->finalize = af_printer_list_finalize;
  object_class->get_property = af_printer_list_get_property;
  object_class->set_property = af_printer_list_set_property;

  /**
   * AfPrinterList:allow-loopback:
   *
   * Whether a discovery notice may move a saved printer to a loopback
   * address (after the usual identity check). Off by default; on for tests
   * and the bundled virtual printer, which only run on loopback.
   */
  properties[PROP_ALLOW_LOOPBACK] =
    g_param_spec_boolean ("allow-loopback", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AfPrinterList::address-checked:
   * @printer: the saved printer
   * @host: the address a notice named
   * @adopted: whether its identity verified and the printer moved there
   *
   * After a notice named another address for a saved printer and that
   * address was tried.
   */
  signals[ADDRESS_CHECKED] =
    g_signal_new ("address-checked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  AF_TYPE_PRINTER, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

gboolean
af_printer_list_get_allow_loopback (AfPrinterList *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_LIST (self), FALSE);

  return self->allow_loopback;
}

void
af_printer_list_set_allow_loopback (AfPrinterList *self,
                                    gboolean       allow)
{
  g_return_if_fail (AF_IS_PRINTER_LIST (self));

  allow = !!allow;
  if (self->allow_loopback == allow)
    return;

  self->allow_loopback = allow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_LOOPBACK]);
}

static void
af_printer_list_init (AfPrinterList *self)
{
  self->printers = g_list_store_new (AF_TYPE_PRINTER);
  self->keyfile = g_key_file_new ();
  self->mirror = g_ptr_array_new_with_free_func (g_object_unref);
  self->address_checks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();

  g_signal_connect_object (self->printers, "items-changed",
                           G_CALLBACK (store_items_changed_cb), self, G_CONNECT_SWAPPED);
}

AfPrinterList *
af_printer_list_new (const char *config_dir)
{
  AfPrinterList *self = g_object_new (AF_TYPE_PRINTER_LIST, NULL);

  if (config_dir != NULL)
    self->config_dir = g_strdup (config_dir);
  else
    self->config_dir = g_build_filename (g_get_user_config_dir (), "atomform-connect", NULL);
  self->path = g_build_filename (self->config_dir, PRINTERS_FILE, NULL);

  return self;
}
