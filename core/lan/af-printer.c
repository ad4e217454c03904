/* af-printer.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-printer.h"
#include "af-printer-models.h"

struct _AfPrinter
{
  GObject            parent_instance;

  char              *serial;
  char              *name;
  char              *host;
  char              *model;
  guint              mqtt_port;
  guint              ftps_port;
  gboolean           lan_only;
  gboolean           bound;
  char              *firmware;
  AfPrinterSource    sources;
  char              *ca_file;
  char              *fingerprint;
  AfPrinterStatus   *status;
  AfConnectionState  connection;
  char              *last_error;
};

G_DEFINE_FINAL_TYPE (AfPrinter, af_printer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERIAL,
  PROP_NAME,
  PROP_HOST,
  PROP_MODEL,
  PROP_MQTT_PORT,
  PROP_FTPS_PORT,
  PROP_LAN_ONLY,
  PROP_BOUND,
  PROP_FIRMWARE,
  PROP_SOURCES,
  PROP_CA_FILE,
  PROP_FINGERPRINT,
  PROP_STATUS,
  PROP_CONNECTION,
  PROP_LAST_ERROR,
  PROP_CLOUD_REACHABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GType
af_printer_source_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GFlagsValue values[] = {
        { AF_PRINTER_SOURCE_DISCOVERED, "AF_PRINTER_SOURCE_DISCOVERED", "discovered" },
        { AF_PRINTER_SOURCE_MANUAL, "AF_PRINTER_SOURCE_MANUAL", "manual" },
        { AF_PRINTER_SOURCE_CLOUD, "AF_PRINTER_SOURCE_CLOUD", "cloud" },
        { 0, NULL, NULL },
      };
      GType type = g_flags_register_static (g_intern_static_string ("AfPrinterSource"), values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

GType
af_connection_state_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { AF_CONNECTION_DISCONNECTED, "AF_CONNECTION_DISCONNECTED", "disconnected" },
        { AF_CONNECTION_CONNECTING, "AF_CONNECTION_CONNECTING", "connecting" },
        { AF_CONNECTION_CONNECTED, "AF_CONNECTION_CONNECTED", "connected" },
        { AF_CONNECTION_FAILED, "AF_CONNECTION_FAILED", "failed" },
        { 0, NULL, NULL },
      };
      GType type = g_enum_register_static (g_intern_static_string ("AfConnectionState"), values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

/* Replaces *field by a copy of value ("" counts as unset) and notifies
 * only when the text really changed. g_set_str is GLib 2.76.
 */
static void
set_string (AfPrinter   *self,
            char       **field,
            const char  *value,
            guint        prop_id)
{
  g_assert (AF_IS_PRINTER (self));

  if (value != NULL && *value == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
af_printer_constructed (GObject *object)
{
  AfPrinter *self = (AfPrinter *)object;

  G_OBJECT_CLASS (af_printer_parent_class)->constructed (object);

  /* g_object_new() without a serial is a programmer error; keep the getters safe. */
  if (self->serial == NULL || !g_utf8_validate (self->serial, -1, NULL))
    {
      g_critical ("AfPrinter needs a UTF-8 serial");
      g_free (self->serial);
      self->serial = g_strdup ("");
    }
}

static void
af_printer_finalize (GObject *object)
{
  AfPrinter *self = (AfPrinter *)object;

  g_clear_pointer (&self->serial, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->model, g_free);
  g_clear_pointer (&self->firmware, g_free);
  g_clear_pointer (&self->ca_file, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_pointer (&self->last_error, g_free);
  g_clear_object (&self->status);

  G_OBJECT_CLASS (af_printer_parent_class)->finalize (object);
}

static void
af_printer_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  AfPrinter *self = AF_PRINTER (object);

  switch (prop_id)
    {
    case PROP_SERIAL:
      g_value_set_string (value, self->serial);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_MQTT_PORT:
      g_value_set_uint (value, self->mqtt_port);
      break;
    case PROP_FTPS_PORT:
      g_value_set_uint (value, self->ftps_port);
      break;
    case PROP_LAN_ONLY:
      g_value_set_boolean (value, self->lan_only);
      break;
    case PROP_BOUND:
      g_value_set_boolean (value, self->bound);
      break;
    case PROP_FIRMWARE:
      g_value_set_string (value, self->firmware);
      break;
    case PROP_SOURCES:
      g_value_set_flags (value, self->sources);
      break;
    case PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;
    case PROP_FINGERPRINT:
      g_value_set_string (value, self->fingerprint);
      break;
    case PROP_STATUS:
      g_value_set_object (value, self->status);
      break;
    case PROP_CONNECTION:
      g_value_set_enum (value, self->connection);
      break;
    case PROP_CLOUD_REACHABLE:
      g_value_set_boolean (value, af_printer_get_cloud_reachable (self));
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_printer_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  AfPrinter *self = AF_PRINTER (object);

  switch (prop_id)
    {
    case PROP_SERIAL:
      self->serial = g_value_dup_string (value);
      break;
    case PROP_NAME:
      af_printer_set_name (self, g_value_get_string (value));
      break;
    case PROP_HOST:
      af_printer_set_host (self, g_value_get_string (value));
      break;
    case PROP_MODEL:
      af_printer_set_model (self, g_value_get_string (value));
      break;
    case PROP_MQTT_PORT:
      af_printer_set_mqtt_port (self, g_value_get_uint (value));
      break;
    case PROP_FTPS_PORT:
      af_printer_set_ftps_port (self, g_value_get_uint (value));
      break;
    case PROP_LAN_ONLY:
      af_printer_set_lan_only (self, g_value_get_boolean (value));
      break;
    case PROP_BOUND:
      af_printer_set_bound (self, g_value_get_boolean (value));
      break;
    case PROP_FIRMWARE:
      af_printer_set_firmware (self, g_value_get_string (value));
      break;
    case PROP_SOURCES:
      af_printer_set_sources (self, g_value_get_flags (value));
      break;
    case PROP_CA_FILE:
      af_printer_set_ca_file (self, g_value_get_string (value));
      break;
    case PROP_FINGERPRINT:
      af_printer_set_fingerprint (self, g_value_get_string (value));
      break;
    case PROP_CONNECTION:
      af_printer_set_connection (self, g_value_get_enum (value));
      break;
    case PROP_LAST_ERROR:
      af_printer_set_last_error (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                              G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
port_property (const char *name,
               guint       default_port)
{
  /* 0 stands for the default port: see af_printer_set_mqtt_port(). */
  return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT16, default_port,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                            G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
boolean_property (const char *name)
{
  return g_param_spec_boolean (name, NULL, NULL, FALSE,
                               G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                               G_PARAM_EXPLICIT_NOTIFY);
}

static void
af_printer_class_init (AfPrinterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = af_printer_constructed;
  object_class->finalize = af_printer_finalize;
  object_class->get_property = af_printer_get_property;
  object_class->set_property = af_printer_set_property;

  properties[PROP_SERIAL] =
    g_param_spec_string ("serial", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] = string_property ("name");
  properties[PROP_HOST] = string_property ("host");
  properties[PROP_MODEL] = string_property ("model");
  properties[PROP_MQTT_PORT] = port_property ("mqtt-port", AF_PRINTER_DEFAULT_MQTT_PORT);
  properties[PROP_FTPS_PORT] = port_property ("ftps-port", AF_PRINTER_DEFAULT_FTPS_PORT);
  properties[PROP_LAN_ONLY] = boolean_property ("lan-only");
  properties[PROP_BOUND] = boolean_property ("bound");
  properties[PROP_FIRMWARE] = string_property ("firmware");
  properties[PROP_SOURCES] =
    g_param_spec_flags ("sources", NULL, NULL, AF_TYPE_PRINTER_SOURCE, 0,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CA_FILE] = string_property ("ca-file");
  properties[PROP_FINGERPRINT] = string_property ("fingerprint");
  properties[PROP_STATUS] =
    g_param_spec_object ("status", NULL, NULL, AF_TYPE_PRINTER_STATUS,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTION] =
    g_param_spec_enum ("connection", NULL, NULL, AF_TYPE_CONNECTION_STATE,
                       AF_CONNECTION_DISCONNECTED,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LAST_ERROR] = string_property ("last-error");
  properties[PROP_CLOUD_REACHABLE] =
    g_param_spec_boolean ("cloud-reachable", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_printer_init (AfPrinter *self)
{
  self->mqtt_port = AF_PRINTER_DEFAULT_MQTT_PORT;
  self->ftps_port = AF_PRINTER_DEFAULT_FTPS_PORT;
  self->connection = AF_CONNECTION_DISCONNECTED;
  self->status = af_printer_status_new ();
}

AfPrinter *
af_printer_new (const char *serial)
{
  g_return_val_if_fail (serial != NULL && *serial != '\0', NULL);
  g_return_val_if_fail (g_utf8_validate (serial, -1, NULL), NULL);

  return g_object_new (AF_TYPE_PRINTER, "serial", serial, NULL);
}

const char *
af_printer_get_serial (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  return self->serial;
}

char *
af_printer_dup_redacted_serial (AfPrinter *self)
{
  const char *tail;
  glong length;

  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  /* The serial is validated UTF-8 (af_printer_new), so counting characters
   * never cuts one in half.
   */
  length = g_utf8_strlen (self->serial, -1);
  tail = g_utf8_offset_to_pointer (self->serial, MAX (length - 4, 0));

  return g_strconcat ("…", tail, NULL);
}

const char *
af_printer_get_name (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  return self->name;
}

void
af_printer_set_name (AfPrinter  *self,
                     const char *name)
{
  g_return_if_fail (AF_IS_PRINTER (self));

  set_string (self, &self->name, name, PROP_NAME);
}

const char *
af_printer_get_host (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  return self->host;
}

void
af_printer_set_host (AfPrinter  *self,
                     const char *host)
{
  g_return_if_fail (AF_IS_PRINTER (self));

  set_string (self, &self->host, host, PROP_HOST);
}

const char *
af_printer_get_model (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  return self->model;
}

void
af_printer_set_model (AfPrinter  *self,
                      const char *model)
{
  g_return_if_fail (AF_IS_PRINTER (self));

  set_string (self, &self->model, model, PROP_MODEL);
}

guint
af_printer_get_mqtt_port (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), AF_PRINTER_DEFAULT_MQTT_PORT);

  return self->mqtt_port;
}

/* 0 means the printers' fixed port, so that an unset field in a form or a
 * file needs no special case.
 */
void
af_printer_set_mqtt_port (AfPrinter *self,
                          guint      port)
{
  g_return_if_fail (AF_IS_PRINTER (self));
  g_return_if_fail (port <= G_MAXUINT16);

  if (port == 0)
    port = AF_PRINTER_DEFAULT_MQTT_PORT;
  if (self->mqtt_port == port)
    return;

  self->mqtt_port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MQTT_PORT]);
}

guint
af_printer_get_ftps_port (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), AF_PRINTER_DEFAULT_FTPS_PORT);

  return self->ftps_port;
}

void
af_printer_set_ftps_port (AfPrinter *self,
                          guint      port)
{
  g_return_if_fail (AF_IS_PRINTER (self));
  g_return_if_fail (port <= G_MAXUINT16);

  if (port == 0)
    port = AF_PRINTER_DEFAULT_FTPS_PORT;
  if (self->ftps_port == port)
    return;

  self->ftps_port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FTPS_PORT]);
}

gboolean
af_printer_get_lan_only (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), FALSE);

  return self->lan_only;
}

void
af_printer_set_lan_only (AfPrinter *self,
                         gboolean   lan_only)
{
  g_return_if_fail (AF_IS_PRINTER (self));

  lan_only = !!lan_only;
  if (self->lan_only == lan_only)
    return;

  self->lan_only = lan_only;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAN_ONLY]);
}

gboolean
af_printer_get_bound (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), FALSE);

  return self->bound;
}

void
af_printer_set_bound (AfPrinter *self,
                      gboolean   bound)
{
  g_return_if_fail (AF_IS_PRINTER (self));

  bound = !!bound;
  if (self->bound == bound)
    return;

  self->bound = bound;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BOUND]);
}

const char *
af_printer_get_firmware (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  return self->firmware;
}

void
af_printer_set_firmware (AfPrinter  *self,
                         const char *firmware)
{
  g_return_if_fail (AF_IS_PRINTER (self));

  set_string (self, &self->firmware, firmware, PROP_FIRMWARE);
}

AfPrinterSource
af_printer_get_sources (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), 0);

  return self->sources;
}

void
af_printer_set_sources (AfPrinter       *self,
                        AfPrinterSource  sources)
{
  gboolean was_cloud;

  g_return_if_fail (AF_IS_PRINTER (self));

  if (self->sources == sources)
    return;

  was_cloud = af_printer_get_cloud_reachable (self);
  self->sources = sources;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCES]);
  if (was_cloud != af_printer_get_cloud_reachable (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOUD_REACHABLE]);
}

gboolean
af_printer_get_cloud_reachable (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), FALSE);

  return (self->sources & AF_PRINTER_SOURCE_CLOUD) != 0;
}

gboolean
af_printer_get_lan_reachable (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), FALSE);

  return (self->sources & AF_PRINTER_SOURCE_MANUAL) != 0;
}

const char *
af_printer_get_ca_file (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  return self->ca_file;
}

void
af_printer_set_ca_file (AfPrinter  *self,
                        const char *ca_file)
{
  g_return_if_fail (AF_IS_PRINTER (self));

  set_string (self, &self->ca_file, ca_file, PROP_CA_FILE);
}

const char *
af_printer_get_fingerprint (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  return self->fingerprint;
}

/* Accepts the "AB:CD:…" form openssl prints and keeps the canonical one
 * (lower-case hex, no colons) that the certificate checks compare against.
 */
void
af_printer_set_fingerprint (AfPrinter  *self,
                            const char *fingerprint)
{
  g_autoptr(GString) canonical = NULL;

  g_return_if_fail (AF_IS_PRINTER (self));

  if (fingerprint == NULL)
    {
      set_string (self, &self->fingerprint, NULL, PROP_FINGERPRINT);
      return;
    }

  canonical = g_string_new (NULL);
  for (const char *p = fingerprint; *p != '\0'; p++)
    {
      if (*p != ':')
        g_string_append_c (canonical, g_ascii_tolower (*p));
    }

  set_string (self, &self->fingerprint, canonical->str, PROP_FINGERPRINT);
}

AfPrinterStatus *
af_printer_get_status (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  return self->status;
}

AfConnectionState
af_printer_get_connection (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), AF_CONNECTION_DISCONNECTED);

  return self->connection;
}

void
af_printer_set_connection (AfPrinter         *self,
                           AfConnectionState  connection)
{
  g_return_if_fail (AF_IS_PRINTER (self));
  g_return_if_fail (connection <= AF_CONNECTION_FAILED);

  if (self->connection == connection)
    return;

  self->connection = connection;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

const char *
af_printer_get_last_error (AfPrinter *self)
{
  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  return self->last_error;
}

void
af_printer_set_last_error (AfPrinter  *self,
                           const char *message)
{
  g_return_if_fail (AF_IS_PRINTER (self));

  set_string (self, &self->last_error, message, PROP_LAST_ERROR);
}

/* The product name shown for a printer that has no name of its own: the one
 * table of af-printer-models.c names the DevModel codes of docs/lan-protocol.md
 * §1.2; an unknown code is shown as it is.
 */
static const char *
lookup_product (const char *model)
{
  const char *product = af_printer_models_get_name (model);

  return product != NULL ? product : model;
}

char *
af_printer_dup_display_name (AfPrinter *self)
{
  g_autofree char *tail = NULL;
  const char *product;

  g_return_val_if_fail (AF_IS_PRINTER (self), NULL);

  if (self->name != NULL)
    return g_strdup (self->name);

  tail = af_printer_dup_redacted_serial (self);
  product = lookup_product (self->model);
  if (product == NULL)
    /* Translators: a printer without a name or a known model; %s is the end of its
     * serial number, such as "…6789".
     */
    return g_strdup_printf (_("Printer %s"), tail);

  /* Translators: a printer without a name: its model, such as "P1S", and the end of
   * its serial number, such as "…6789".
   */
  return g_strdup_printf (C_("printer display name", "%s %s"), product, tail);
}
