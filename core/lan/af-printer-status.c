/* af-printer-status.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "af-json.h"
#include "af-lan-error.h"
#include "af-printer-status.h"

/* The external spools' ams_id, as ams_mapping2 spells it: 255 for the only
 * (or the main, right-hand nozzle's) one; 254 for the second nozzle's on a
 * dual-nozzle printer (H2D vir_slot).
 */
#define EXTERNAL_AMS_ID 255
#define EXTERNAL_DEPUTY_AMS_ID 254
/* AMS HT units have ids from 128 and a single tray. */
#define AMS_HT_FIRST_ID 128
/* print.fun bit 29: the printer enforces signed commands (Developer Mode off). */
#define FUN_SECURED_BIT (G_GUINT64_CONSTANT (1) << 29)

static const char * const state_names[] = {
  [AF_PRINT_STATE_UNKNOWN] = "UNKNOWN",
  [AF_PRINT_STATE_IDLE] = "IDLE",
  [AF_PRINT_STATE_PREPARE] = "PREPARE",
  [AF_PRINT_STATE_SLICING] = "SLICING",
  [AF_PRINT_STATE_RUNNING] = "RUNNING",
  [AF_PRINT_STATE_PAUSE] = "PAUSE",
  [AF_PRINT_STATE_FINISH] = "FINISH",
  [AF_PRINT_STATE_FAILED] = "FAILED",
};

GType
af_print_state_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { AF_PRINT_STATE_UNKNOWN, "AF_PRINT_STATE_UNKNOWN", "unknown" },
        { AF_PRINT_STATE_IDLE, "AF_PRINT_STATE_IDLE", "idle" },
        { AF_PRINT_STATE_PREPARE, "AF_PRINT_STATE_PREPARE", "prepare" },
        { AF_PRINT_STATE_SLICING, "AF_PRINT_STATE_SLICING", "slicing" },
        { AF_PRINT_STATE_RUNNING, "AF_PRINT_STATE_RUNNING", "running" },
        { AF_PRINT_STATE_PAUSE, "AF_PRINT_STATE_PAUSE", "pause" },
        { AF_PRINT_STATE_FINISH, "AF_PRINT_STATE_FINISH", "finish" },
        { AF_PRINT_STATE_FAILED, "AF_PRINT_STATE_FAILED", "failed" },
        { 0, NULL, NULL },
      };
      GType type = g_enum_register_static (g_intern_static_string ("AfPrintState"), values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

AfPrintState
af_print_state_from_string (const char *gcode_state)
{
  if (gcode_state == NULL)
    return AF_PRINT_STATE_UNKNOWN;

  for (guint i = AF_PRINT_STATE_IDLE; i < G_N_ELEMENTS (state_names); i++)
    if (g_ascii_strcasecmp (gcode_state, state_names[i]) == 0)
      return (AfPrintState)i;

  return AF_PRINT_STATE_UNKNOWN;
}

const char *
af_print_state_to_string (AfPrintState state)
{
  if ((guint)state >= G_N_ELEMENTS (state_names))
    return state_names[AF_PRINT_STATE_UNKNOWN];

  return state_names[state];
}

gboolean
af_print_state_is_ready (AfPrintState state)
{
  return state == AF_PRINT_STATE_IDLE ||
         state == AF_PRINT_STATE_FINISH ||
         state == AF_PRINT_STATE_FAILED;
}

/* JSON readers that ignore a field of the wrong type instead of failing. */

static JsonNode *
get_value_node (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  return node;
}

static gboolean
read_double (JsonObject *object,
             const char *name,
             double     *out)
{
  JsonNode *node = get_value_node (object, name);
  GType type;

  if (node == NULL)
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = (double)json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return FALSE;

  return isfinite (*out);
}

static gboolean
read_int (JsonObject *object,
          const char *name,
          gint       *out)
{
  double value;

  if (!read_double (object, name, &value))
    return FALSE;
  if (value < G_MININT || value > G_MAXINT)
    return FALSE;

  *out = (gint)value;
  return TRUE;
}

static const char *
read_string (JsonObject *object,
             const char *name)
{
  JsonNode *node = get_value_node (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* The firmware writes some integers as decimal strings ("id": "0"). */
static gboolean
read_int_or_string (JsonObject *object,
                    const char *name,
                    gint       *out)
{
  const char *text = read_string (object, name);
  gint64 value;

  if (text == NULL)
    return read_int (object, name, out);
  if (!g_ascii_string_to_signed (text, 10, G_MININT, G_MAXINT, &value, NULL))
    return FALSE;

  *out = (gint)value;
  return TRUE;
}

static JsonObject *
read_object (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

static JsonArray *
read_array (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  return json_node_get_array (node);
}

/* AfAmsTray */

struct _AfAmsTray
{
  GObject  parent_instance;

  guint    ams_id;
  guint    slot_id;
  char    *material;
  char    *color;
  gint     remain;
};

G_DEFINE_FINAL_TYPE (AfAmsTray, af_ams_tray, G_TYPE_OBJECT)

enum {
  TRAY_PROP_0,
  TRAY_PROP_AMS_ID,
  TRAY_PROP_SLOT_ID,
  TRAY_PROP_MATERIAL,
  TRAY_PROP_COLOR,
  TRAY_PROP_REMAIN,
  N_TRAY_PROPS
};

static GParamSpec *tray_properties[N_TRAY_PROPS];

static void
af_ams_tray_finalize (GObject *object)
{
  AfAmsTray *self = (AfAmsTray *)object;

  g_clear_pointer (&self->material, g_free);
  g_clear_pointer (&self->color, g_free);

  G_OBJECT_CLASS (af_ams_tray_parent_class)->finalize (object);
}

static void
af_ams_tray_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  AfAmsTray *self = AF_AMS_TRAY (object);

  switch (prop_id)
    {
    case TRAY_PROP_AMS_ID:
      g_value_set_uint (value, self->ams_id);
      break;
    case TRAY_PROP_SLOT_ID:
      g_value_set_uint (value, self->slot_id);
      break;
    case TRAY_PROP_MATERIAL:
      g_value_set_string (value, self->material);
      break;
    case TRAY_PROP_COLOR:
      g_value_set_string (value, self->color);
      break;
    case TRAY_PROP_REMAIN:
      g_value_set_int (value, self->remain);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_ams_tray_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  AfAmsTray *self = AF_AMS_TRAY (object);

  switch (prop_id)
    {
    case TRAY_PROP_AMS_ID:
      self->ams_id = g_value_get_uint (value);
      break;
    case TRAY_PROP_SLOT_ID:
      self->slot_id = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_ams_tray_class_init (AfAmsTrayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = af_ams_tray_finalize;
  object_class->get_property = af_ams_tray_get_property;
  object_class->set_property = af_ams_tray_set_property;

  tray_properties[TRAY_PROP_AMS_ID] =
    g_param_spec_uint ("ams-id", NULL, NULL, 0, G_MAXUINT, 0, co);
  tray_properties[TRAY_PROP_SLOT_ID] =
    g_param_spec_uint ("slot-id", NULL, NULL, 0, G_MAXUINT, 0, co);
  tray_properties[TRAY_PROP_MATERIAL] = g_param_spec_string ("material", NULL, NULL, NULL, ro);
  tray_properties[TRAY_PROP_COLOR] = g_param_spec_string ("color", NULL, NULL, NULL, ro);
  tray_properties[TRAY_PROP_REMAIN] = g_param_spec_int ("remain", NULL, NULL, -1, 100, -1, ro);

  g_object_class_install_properties (object_class, N_TRAY_PROPS, tray_properties);
}

static void
af_ams_tray_init (AfAmsTray *self)
{
  self->remain = -1;
}

static AfAmsTray *
af_ams_tray_new (guint ams_id,
                 guint slot_id)
{
  return g_object_new (AF_TYPE_AMS_TRAY, "ams-id", ams_id, "slot-id", slot_id, NULL);
}

guint
af_ams_tray_get_ams_id (AfAmsTray *self)
{
  g_return_val_if_fail (AF_IS_AMS_TRAY (self), 0);

  return self->ams_id;
}

guint
af_ams_tray_get_slot_id (AfAmsTray *self)
{
  g_return_val_if_fail (AF_IS_AMS_TRAY (self), 0);

  return self->slot_id;
}

gint
af_ams_tray_get_global_index (AfAmsTray *self)
{
  g_return_val_if_fail (AF_IS_AMS_TRAY (self), -1);

  if (af_ams_tray_is_external (self))
    return -1;
  /* An AMS HT has one tray; the firmware numbers it by the unit's own id. */
  if (self->ams_id >= AMS_HT_FIRST_ID)
    return (gint)self->ams_id;

  return (gint)(self->ams_id * 4 + self->slot_id);
}

gint
af_ams_tray_get_mapping_id (AfAmsTray *self)
{
  g_return_val_if_fail (AF_IS_AMS_TRAY (self), -1);

  if (af_ams_tray_is_external (self))
    return (gint)self->ams_id;

  return af_ams_tray_get_global_index (self);
}

gboolean
af_ams_tray_is_external (AfAmsTray *self)
{
  g_return_val_if_fail (AF_IS_AMS_TRAY (self), FALSE);

  return self->ams_id == EXTERNAL_AMS_ID || self->ams_id == EXTERNAL_DEPUTY_AMS_ID;
}

const char *
af_ams_tray_get_material (AfAmsTray *self)
{
  g_return_val_if_fail (AF_IS_AMS_TRAY (self), NULL);

  return self->material;
}

const char *
af_ams_tray_get_color (AfAmsTray *self)
{
  g_return_val_if_fail (AF_IS_AMS_TRAY (self), NULL);

  return self->color;
}

gint
af_ams_tray_get_remain (AfAmsTray *self)
{
  g_return_val_if_fail (AF_IS_AMS_TRAY (self), -1);

  return self->remain;
}

static void
tray_set_string (AfAmsTray  *self,
                 char      **field,
                 const char *value,
                 guint       prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), tray_properties[prop]);
}

static void
tray_set_remain (AfAmsTray *self,
                 gint       remain)
{
  remain = CLAMP (remain, -1, 100);
  if (self->remain == remain)
    return;

  self->remain = remain;
  g_object_notify_by_pspec (G_OBJECT (self), tray_properties[TRAY_PROP_REMAIN]);
}

/* "RRGGBBAA" (or "RRGGBB") to "#RRGGBB"; NULL for anything else. */
static char *
parse_tray_color (const char *text)
{
  gsize length = text != NULL ? strlen (text) : 0;

  if (length != 6 && length != 8)
    return NULL;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isxdigit (text[i]))
      return NULL;

  return g_strdup_printf ("#%c%c%c%c%c%c",
                          g_ascii_toupper (text[0]), g_ascii_toupper (text[1]),
                          g_ascii_toupper (text[2]), g_ascii_toupper (text[3]),
                          g_ascii_toupper (text[4]), g_ascii_toupper (text[5]));
}

/* An empty slot: tray_type "", or nothing but its id and state (X1C). A
 * tray_type of the wrong type is ignored like any other bad field.
 */
static gboolean
tray_object_is_empty (JsonObject *object)
{
  const char *type = read_string (object, "tray_type");
  g_autoptr(GList) members = NULL;

  if (type != NULL)
    return *type == '\0';

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "id") && !g_str_equal (l->data, "state"))
      return FALSE;

  return TRUE;
}

static void
tray_merge (AfAmsTray  *self,
            JsonObject *object)
{
  g_autofree char *color = NULL;
  const char *type;
  gint remain;

  g_object_freeze_notify (G_OBJECT (self));

  if (tray_object_is_empty (object))
    {
      tray_set_string (self, &self->material, NULL, TRAY_PROP_MATERIAL);
      tray_set_string (self, &self->color, NULL, TRAY_PROP_COLOR);
      tray_set_remain (self, -1);
      g_object_thaw_notify (G_OBJECT (self));
      return;
    }

  if ((type = read_string (object, "tray_type")) != NULL)
    tray_set_string (self, &self->material, type, TRAY_PROP_MATERIAL);
  if (json_object_has_member (object, "tray_color") &&
      (color = parse_tray_color (read_string (object, "tray_color"))) != NULL)
    tray_set_string (self, &self->color, color, TRAY_PROP_COLOR);
  if (read_int (object, "remain", &remain))
    tray_set_remain (self, remain);

  g_object_thaw_notify (G_OBJECT (self));
}

/* AfPrinterStatus */

struct _AfPrinterStatus
{
  GObject       parent_instance;

  AfPrintState  state;
  gint          percent;
  gint          remaining_minutes;
  gint          layer;
  gint          total_layers;
  double        nozzle_temperature;
  double        nozzle_target;
  double        bed_temperature;
  double        bed_target;
  double        chamber_temperature;
  char         *job_name;
  char         *gcode_file;
  gint          print_error;
  GStrv         hms;
  gboolean      developer_mode;
  gint          stage;
  char         *task_id;
  char         *subtask_id;
  gboolean      needs_attention;
  GListStore   *trays;
  /* Whether the printer lists its external spools in vir_slot; then vt_tray,
   * which repeats one of them, is ignored.
   */
  gboolean      have_vir_slot;
  /* Storage: the "sdcard" boolean and home_flag bits 8-9, -1 until reported. */
  double        nozzle_diameter;
  gint          sdcard;
  gint          storage_bits;
};

G_DEFINE_FINAL_TYPE (AfPrinterStatus, af_printer_status, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_PERCENT,
  PROP_REMAINING_MINUTES,
  PROP_LAYER,
  PROP_TOTAL_LAYERS,
  PROP_NOZZLE_TEMPERATURE,
  PROP_NOZZLE_TARGET,
  PROP_BED_TEMPERATURE,
  PROP_BED_TARGET,
  PROP_CHAMBER_TEMPERATURE,
  PROP_JOB_NAME,
  PROP_GCODE_FILE,
  PROP_PRINT_ERROR,
  PROP_HMS,
  PROP_DEVELOPER_MODE,
  PROP_STAGE,
  PROP_TASK_ID,
  PROP_SUBTASK_ID,
  PROP_NEEDS_ATTENTION,
  PROP_TRAYS,
  PROP_NOZZLE_DIAMETER,
  PROP_STORAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
af_printer_status_finalize (GObject *object)
{
  AfPrinterStatus *self = (AfPrinterStatus *)object;

  g_clear_pointer (&self->job_name, g_free);
  g_clear_pointer (&self->gcode_file, g_free);
  g_clear_pointer (&self->task_id, g_free);
  g_clear_pointer (&self->subtask_id, g_free);
  g_clear_pointer (&self->hms, g_strfreev);
  g_clear_object (&self->trays);

  G_OBJECT_CLASS (af_printer_status_parent_class)->finalize (object);
}

static void
af_printer_status_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AfPrinterStatus *self = AF_PRINTER_STATUS (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_PERCENT: g_value_set_int (value, self->percent); break;
    case PROP_REMAINING_MINUTES: g_value_set_int (value, self->remaining_minutes); break;
    case PROP_LAYER: g_value_set_int (value, self->layer); break;
    case PROP_TOTAL_LAYERS: g_value_set_int (value, self->total_layers); break;
    case PROP_NOZZLE_TEMPERATURE: g_value_set_double (value, self->nozzle_temperature); break;
    case PROP_NOZZLE_TARGET: g_value_set_double (value, self->nozzle_target); break;
    case PROP_BED_TEMPERATURE: g_value_set_double (value, self->bed_temperature); break;
    case PROP_BED_TARGET: g_value_set_double (value, self->bed_target); break;
    case PROP_CHAMBER_TEMPERATURE: g_value_set_double (value, self->chamber_temperature); break;
    case PROP_JOB_NAME: g_value_set_string (value, self->job_name); break;
    case PROP_GCODE_FILE: g_value_set_string (value, self->gcode_file); break;
    case PROP_PRINT_ERROR: g_value_set_int (value, self->print_error); break;
    case PROP_HMS: g_value_set_boxed (value, self->hms); break;
    case PROP_DEVELOPER_MODE: g_value_set_boolean (value, self->developer_mode); break;
    case PROP_STAGE: g_value_set_int (value, self->stage); break;
    case PROP_TASK_ID: g_value_set_string (value, self->task_id); break;
    case PROP_SUBTASK_ID: g_value_set_string (value, self->subtask_id); break;
    case PROP_NEEDS_ATTENTION: g_value_set_boolean (value, self->needs_attention); break;
    case PROP_TRAYS: g_value_set_object (value, self->trays); break;
    case PROP_NOZZLE_DIAMETER: g_value_set_double (value, self->nozzle_diameter); break;
    case PROP_STORAGE: g_value_set_int (value, af_printer_status_get_storage (self)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
int_pspec (const char *name,
           gint        minimum,
           gint        fallback)
{
  return g_param_spec_int (name, NULL, NULL, minimum, G_MAXINT, fallback,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
double_pspec (const char *name)
{
  return g_param_spec_double (name, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                              G_PARAM_EXPLICIT_NOTIFY);
}

static void
af_printer_status_class_init (AfPrinterStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = af_printer_status_finalize;
  object_class->get_property = af_printer_status_get_property;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, AF_TYPE_PRINT_STATE,
                                              AF_PRINT_STATE_UNKNOWN, ro);
  properties[PROP_PERCENT] = int_pspec ("percent", -1, -1);
  properties[PROP_REMAINING_MINUTES] = int_pspec ("remaining-minutes", -1, -1);
  properties[PROP_LAYER] = int_pspec ("layer", -1, -1);
  properties[PROP_TOTAL_LAYERS] = int_pspec ("total-layers", -1, -1);
  properties[PROP_NOZZLE_TEMPERATURE] = double_pspec ("nozzle-temperature");
  properties[PROP_NOZZLE_TARGET] = double_pspec ("nozzle-target");
  properties[PROP_BED_TEMPERATURE] = double_pspec ("bed-temperature");
  properties[PROP_BED_TARGET] = double_pspec ("bed-target");
  properties[PROP_CHAMBER_TEMPERATURE] = double_pspec ("chamber-temperature");
  properties[PROP_JOB_NAME] = g_param_spec_string ("job-name", NULL, NULL, NULL, ro);
  properties[PROP_GCODE_FILE] = g_param_spec_string ("gcode-file", NULL, NULL, NULL, ro);
  properties[PROP_PRINT_ERROR] = int_pspec ("print-error", G_MININT, 0);
  properties[PROP_HMS] = g_param_spec_boxed ("hms", NULL, NULL, G_TYPE_STRV, ro);
  properties[PROP_DEVELOPER_MODE] = g_param_spec_boolean ("developer-mode", NULL, NULL,
                                                          TRUE, ro);
  properties[PROP_STAGE] = int_pspec ("stage", -1, -1);
  properties[PROP_TASK_ID] = g_param_spec_string ("task-id", NULL, NULL, NULL, ro);
  properties[PROP_SUBTASK_ID] = g_param_spec_string ("subtask-id", NULL, NULL, NULL, ro);
  properties[PROP_NEEDS_ATTENTION] = g_param_spec_boolean ("needs-attention", NULL, NULL,
                                                           FALSE, ro);
  properties[PROP_TRAYS] = g_param_spec_object ("trays", NULL, NULL, G_TYPE_LIST_MODEL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NOZZLE_DIAMETER] = double_pspec ("nozzle-diameter");
  properties[PROP_STORAGE] = int_pspec ("storage", AF_STORAGE_UNKNOWN, AF_STORAGE_UNKNOWN);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_printer_status_init (AfPrinterStatus *self)
{
  self->state = AF_PRINT_STATE_UNKNOWN;
  self->percent = -1;
  self->remaining_minutes = -1;
  self->layer = -1;
  self->total_layers = -1;
  self->nozzle_temperature = NAN;
  self->nozzle_target = NAN;
  self->bed_temperature = NAN;
  self->bed_target = NAN;
  self->chamber_temperature = NAN;
  self->hms = g_new0 (char *, 1);
  self->developer_mode = TRUE;
  self->stage = -1;
  self->trays = g_list_store_new (AF_TYPE_AMS_TRAY);
  self->nozzle_diameter = NAN;
  self->sdcard = -1;
  self->storage_bits = -1;
}

AfPrinterStatus *
af_printer_status_new (void)
{
  return g_object_new (AF_TYPE_PRINTER_STATUS, NULL);
}

static void
set_int (AfPrinterStatus *self,
         gint            *field,
         gint             value,
         guint            prop)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
merge_int (AfPrinterStatus *self,
           JsonObject      *print,
           const char      *name,
           gint            *field,
           gint             minimum,
           guint            prop)
{
  gint value;

  if (read_int (print, name, &value))
    set_int (self, field, MAX (value, minimum), prop);
}

static void
set_double (AfPrinterStatus *self,
            double          *field,
            double           value,
            guint            prop)
{
  if (*field == value || (isnan (*field) && isnan (value)))
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
merge_double (AfPrinterStatus *self,
              JsonObject      *print,
              const char      *name,
              double          *field,
              guint            prop)
{
  double value;

  if (read_double (print, name, &value))
    set_double (self, field, value, prop);
}

static void
merge_string (AfPrinterStatus *self,
              JsonObject      *print,
              const char      *name,
              char           **field,
              guint            prop)
{
  const char *value = read_string (print, name);

  if (value == NULL || g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
merge_state (AfPrinterStatus *self,
             JsonObject      *print)
{
  const char *text = read_string (print, "gcode_state");
  AfPrintState state;

  if (text == NULL)
    return;

  state = af_print_state_from_string (text);
  if (state == self->state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
merge_hms (AfPrinterStatus *self,
           JsonObject      *print)
{
  JsonArray *array = read_array (print, "hms");
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) hms = NULL;

  if (array == NULL)
    return;

  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *code_text = NULL;
      JsonObject *entry;
      double attr, code;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      entry = json_node_get_object (node);
      if (!read_double (entry, "attr", &attr) || !read_double (entry, "code", &code) ||
          attr < 0 || attr > G_MAXUINT32 || code < 0 || code > G_MAXUINT32)
        continue;

      code_text = g_strdup_printf ("HMS_%04X_%04X_%04X_%04X",
                                   (guint)attr >> 16, (guint)attr & 0xffff,
                                   (guint)code >> 16, (guint)code & 0xffff);
      g_strv_builder_add (builder, code_text);
    }
  hms = g_strv_builder_end (builder);

  if (g_strv_equal ((const char * const *)hms, (const char * const *)self->hms))
    return;

  g_strfreev (self->hms);
  self->hms = g_steal_pointer (&hms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HMS]);
}

static void
merge_developer_mode (AfPrinterStatus *self,
                      JsonObject      *print)
{
  const char *fun = read_string (print, "fun");
  guint64 bits;
  gboolean developer_mode;

  if (fun == NULL || *fun == '\0' || strlen (fun) > 16)
    return;
  if (!g_ascii_string_to_unsigned (fun, 16, 0, G_MAXUINT64, &bits, NULL))
    return;

  developer_mode = (bits & FUN_SECURED_BIT) == 0;
  if (developer_mode == self->developer_mode)
    return;

  self->developer_mode = developer_mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVELOPER_MODE]);
}

/* Newer models (P2S, H2*) report the chamber only under device.ctc. */
static void
merge_device (AfPrinterStatus *self,
              JsonObject      *print)
{
  JsonObject *device = read_object (print, "device");
  JsonObject *ctc = device != NULL ? read_object (device, "ctc") : NULL;
  JsonObject *info = ctc != NULL ? read_object (ctc, "info") : NULL;

  if (info != NULL && !json_object_has_member (print, "chamber_temper"))
    merge_double (self, info, "temp", &self->chamber_temperature, PROP_CHAMBER_TEMPERATURE);
}

/* Finds the tray (ams_id, slot_id), or where it belongs to keep the order. */
static AfAmsTray *
find_tray (AfPrinterStatus *self,
           guint            ams_id,
           guint            slot_id,
           guint           *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->trays));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (G_LIST_MODEL (self->trays), i);

      if (tray->ams_id == ams_id && tray->slot_id == slot_id)
        {
          *position = i;
          return g_steal_pointer (&tray);
        }
      if (tray->ams_id > ams_id || (tray->ams_id == ams_id && tray->slot_id > slot_id))
        {
          *position = i;
          return NULL;
        }
    }

  *position = n;
  return NULL;
}

static void
merge_tray (AfPrinterStatus *self,
            guint            ams_id,
            guint            slot_id,
            JsonObject      *object)
{
  g_autoptr(AfAmsTray) tray = NULL;
  guint position;

  tray = find_tray (self, ams_id, slot_id, &position);
  if (tray == NULL)
    {
      tray = af_ams_tray_new (ams_id, slot_id);
      tray_merge (tray, object);
      g_list_store_insert (self->trays, position, tray);
      return;
    }

  tray_merge (tray, object);
}

/* Drops every tray for which drop() says so. */
static void
remove_trays (AfPrinterStatus *self,
              gboolean       (*drop) (AfAmsTray *tray, gpointer data),
              gpointer         data)
{
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->trays)); i > 0; i--)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (G_LIST_MODEL (self->trays), i - 1);

      if (drop (tray, data))
        g_list_store_remove (self->trays, i - 1);
    }
}

static gboolean
tray_not_in_units (AfAmsTray *tray,
                   gpointer   data)
{
  GHashTable *units = data;

  return !af_ams_tray_is_external (tray) &&
         !g_hash_table_contains (units, GUINT_TO_POINTER (tray->ams_id));
}

static void
merge_ams_unit (AfPrinterStatus *self,
                JsonObject      *unit,
                GHashTable      *seen)
{
  JsonArray *trays = read_array (unit, "tray");
  gint ams_id;

  if (!read_int_or_string (unit, "id", &ams_id) || ams_id < 0 || ams_id >= EXTERNAL_DEPUTY_AMS_ID)
    return;

  g_hash_table_add (seen, GUINT_TO_POINTER (ams_id));
  if (trays == NULL)
    return;

  for (guint i = 0; i < json_array_get_length (trays); i++)
    {
      JsonNode *node = json_array_get_element (trays, i);
      gint slot_id;

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !read_int_or_string (json_node_get_object (node), "id", &slot_id) ||
          slot_id < 0 || slot_id > 3)
        continue;

      merge_tray (self, ams_id, slot_id, json_node_get_object (node));
    }
}

/* The "ams" object lists every unit; a full report (msg 0) drops the units it
 * no longer lists, a delta only updates the ones it names.
 */
static void
merge_ams (AfPrinterStatus *self,
           JsonObject      *print,
           gboolean         full)
{
  JsonObject *ams = read_object (print, "ams");
  JsonArray *units = ams != NULL ? read_array (ams, "ams") : NULL;
  g_autoptr(GHashTable) seen = NULL;

  if (units == NULL)
    return;

  seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < json_array_get_length (units); i++)
    {
      JsonNode *node = json_array_get_element (units, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        merge_ams_unit (self, json_node_get_object (node), seen);
    }

  if (full)
    remove_trays (self, tray_not_in_units, seen);
}

/* One vir_slot entry: id "255" is the main spool, "254" the second nozzle's. */
static void
merge_vir_slot (AfPrinterStatus *self,
                JsonObject      *spool)
{
  gint id;

  if (!read_int_or_string (spool, "id", &id) ||
      (id != EXTERNAL_AMS_ID && id != EXTERNAL_DEPUTY_AMS_ID))
    return;

  merge_tray (self, (guint)id, 0, spool);
}

/* Older firmware reports its one external spool as vt_tray (with id "254"
 * on P1/A1, "255" on X1); newer firmware lists every external spool in
 * vir_slot (one on P2S and X1, two on H2D) and repeats the main one as
 * vt_tray. Once vir_slot was seen, vt_tray is ignored.
 */
static void
merge_external (AfPrinterStatus *self,
                JsonObject      *print)
{
  JsonObject *spool = read_object (print, "vt_tray");
  JsonArray *slots = read_array (print, "vir_slot");

  if (slots != NULL)
    {
      self->have_vir_slot = TRUE;
      for (guint i = 0; i < json_array_get_length (slots); i++)
        if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (slots, i)))
          merge_vir_slot (self, json_node_get_object (json_array_get_element (slots, i)));
      return;
    }

  if (spool != NULL && !self->have_vir_slot)
    merge_tray (self, EXTERNAL_AMS_ID, 0, spool);
}

/* "0.4" on most firmware, a number on some. */
static void
merge_nozzle_diameter (AfPrinterStatus *self,
                       JsonObject      *print)
{
  const char *text = read_string (print, "nozzle_diameter");
  double value;

  if (text != NULL)
    {
      char *end = NULL;

      value = g_ascii_strtod (text, &end);
      if (end == text || *end != '\0' || !isfinite (value) || value <= 0)
        return;
      set_double (self, &self->nozzle_diameter, value, PROP_NOZZLE_DIAMETER);
    }
  else
    merge_double (self, print, "nozzle_diameter", &self->nozzle_diameter, PROP_NOZZLE_DIAMETER);
}

/* The storage the printer reports: BambuStudio's DevStorage reads bits 8-9
 * of home_flag (0 none, 1 normal, 2 abnormal, 3 read-only); older firmware
 * only says "sdcard": true or false.
 */
static void
merge_storage (AfPrinterStatus *self,
               JsonObject      *print)
{
  AfStorageState before = af_printer_status_get_storage (self);
  JsonNode *node = get_value_node (print, "sdcard");
  double flags;

  if (node != NULL && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    self->sdcard = json_node_get_boolean (node) ? 1 : 0;
  if (read_double (print, "home_flag", &flags) && flags >= G_MININT32 && flags <= G_MAXUINT32)
    self->storage_bits = (gint)((((guint32)(gint64)flags) >> 8) & 3);

  if (af_printer_status_get_storage (self) != before)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORAGE]);
}

static void
update_needs_attention (AfPrinterStatus *self)
{
  gboolean needs_attention = self->state == AF_PRINT_STATE_PAUSE &&
                             af_print_error_is_fault ((guint32)self->print_error);

  if (needs_attention == self->needs_attention)
    return;

  self->needs_attention = needs_attention;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEEDS_ATTENTION]);
}

/* X1 printers send full reports, P1/A1 deltas (Doridian/OpenBambuAPI
 * mqtt.md); a full one carries "msg": 0, a delta "msg": 1
 * (ClusterM/open-bamboo-networking research/12.01-status.md); a report
 * without "msg" is taken for a whole push_status.
 */
gboolean
af_printer_status_is_full_report (JsonObject *print)
{
  gint msg = -1;

  g_return_val_if_fail (print != NULL, FALSE);

  if (json_object_has_member (print, "command") &&
      g_strcmp0 (read_string (print, "command"), "push_status") != 0)
    return FALSE;
  if (!json_object_has_member (print, "msg"))
    return TRUE;

  return read_int (print, "msg", &msg) && msg == 0;
}

void
af_printer_status_merge_print (AfPrinterStatus *self,
                               JsonObject      *print)
{
  const char *command;

  g_return_if_fail (AF_IS_PRINTER_STATUS (self));
  g_return_if_fail (print != NULL);

  /* Acks of our own commands share the "print" key; they are not status. */
  command = read_string (print, "command");
  if (json_object_has_member (print, "command") &&
      g_strcmp0 (command, "push_status") != 0)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  merge_state (self, print);
  merge_int (self, print, "mc_percent", &self->percent, -1, PROP_PERCENT);
  merge_int (self, print, "mc_remaining_time", &self->remaining_minutes, -1,
             PROP_REMAINING_MINUTES);
  merge_int (self, print, "layer_num", &self->layer, -1, PROP_LAYER);
  merge_int (self, print, "total_layer_num", &self->total_layers, -1, PROP_TOTAL_LAYERS);
  merge_double (self, print, "nozzle_temper", &self->nozzle_temperature,
                PROP_NOZZLE_TEMPERATURE);
  merge_double (self, print, "nozzle_target_temper", &self->nozzle_target, PROP_NOZZLE_TARGET);
  merge_double (self, print, "bed_temper", &self->bed_temperature, PROP_BED_TEMPERATURE);
  merge_double (self, print, "bed_target_temper", &self->bed_target, PROP_BED_TARGET);
  merge_double (self, print, "chamber_temper", &self->chamber_temperature,
                PROP_CHAMBER_TEMPERATURE);
  merge_device (self, print);
  merge_string (self, print, "subtask_name", &self->job_name, PROP_JOB_NAME);
  merge_string (self, print, "gcode_file", &self->gcode_file, PROP_GCODE_FILE);
  merge_int (self, print, "print_error", &self->print_error, G_MININT, PROP_PRINT_ERROR);
  merge_hms (self, print);
  merge_developer_mode (self, print);
  merge_int (self, print, "stg_cur", &self->stage, -1, PROP_STAGE);
  merge_string (self, print, "task_id", &self->task_id, PROP_TASK_ID);
  merge_string (self, print, "subtask_id", &self->subtask_id, PROP_SUBTASK_ID);
  merge_ams (self, print, af_printer_status_is_full_report (print));
  merge_external (self, print);
  merge_nozzle_diameter (self, print);
  merge_storage (self, print);
  update_needs_attention (self);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
af_printer_status_merge (AfPrinterStatus  *self,
                         const char       *payload,
                         gssize            length,
                         GError          **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *print;

  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), FALSE);
  g_return_val_if_fail (payload != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!af_json_load_untrusted (parser, payload, length, &local_error))
    {
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_PROTOCOL,
                   _("The printer sent a report that is not JSON: %s"), local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return TRUE;

  print = read_object (json_node_get_object (root), "print");
  if (print != NULL)
    af_printer_status_merge_print (self, print);

  return TRUE;
}

AfPrintState
af_printer_status_get_state (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), AF_PRINT_STATE_UNKNOWN);
  return self->state;
}

gint
af_printer_status_get_percent (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), -1);
  return self->percent;
}

gint
af_printer_status_get_remaining_minutes (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), -1);
  return self->remaining_minutes;
}

gint
af_printer_status_get_layer (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), -1);
  return self->layer;
}

gint
af_printer_status_get_total_layers (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), -1);
  return self->total_layers;
}

double
af_printer_status_get_nozzle_temperature (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NAN);
  return self->nozzle_temperature;
}

double
af_printer_status_get_nozzle_target (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NAN);
  return self->nozzle_target;
}

double
af_printer_status_get_bed_temperature (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NAN);
  return self->bed_temperature;
}

double
af_printer_status_get_bed_target (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NAN);
  return self->bed_target;
}

double
af_printer_status_get_chamber_temperature (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NAN);
  return self->chamber_temperature;
}

const char *
af_printer_status_get_job_name (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NULL);
  return self->job_name;
}

const char *
af_printer_status_get_gcode_file (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NULL);
  return self->gcode_file;
}

gint
af_printer_status_get_print_error (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), 0);
  return self->print_error;
}

const char * const *
af_printer_status_get_hms (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NULL);
  return (const char * const *)self->hms;
}

gboolean
af_printer_status_get_developer_mode (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), TRUE);
  return self->developer_mode;
}

gint
af_printer_status_get_stage (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), -1);
  return self->stage;
}

double
af_printer_status_get_nozzle_diameter (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NAN);
  return self->nozzle_diameter;
}

/* "sdcard": false wins: the printer says outright that nothing is there.
 * Firmware that predates the home_flag bits leaves them 0 with "sdcard":
 * true, so that pair counts as a normal card.
 */
AfStorageState
af_printer_status_get_storage (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), AF_STORAGE_UNKNOWN);

  if (self->sdcard == 0)
    return AF_STORAGE_NONE;
  if (self->storage_bits > 0)
    return (AfStorageState)(AF_STORAGE_NORMAL + self->storage_bits - 1);
  if (self->sdcard == 1)
    return AF_STORAGE_NORMAL;
  if (self->storage_bits == 0)
    return AF_STORAGE_NONE;
  return AF_STORAGE_UNKNOWN;
}

const char *
af_printer_status_get_task_id (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NULL);
  return self->task_id;
}

const char *
af_printer_status_get_subtask_id (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NULL);
  return self->subtask_id;
}

gboolean
af_printer_status_get_needs_attention (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), FALSE);
  return self->needs_attention;
}

GListModel *
af_printer_status_get_trays (AfPrinterStatus *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NULL);
  return G_LIST_MODEL (self->trays);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint         value,
         gint         unknown)
{
  json_builder_set_member_name (builder, name);
  if (value == unknown)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, value);
}

static void
add_double (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  if (isnan (value))
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, value);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}

static void
add_trays (AfPrinterStatus *self,
           JsonBuilder     *builder)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->trays));

  json_builder_set_member_name (builder, "trays");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (G_LIST_MODEL (self->trays), i);

      json_builder_begin_object (builder);
      add_int (builder, "ams_id", tray->ams_id, -1);
      add_int (builder, "slot_id", tray->slot_id, -1);
      add_int (builder, "index", af_ams_tray_get_global_index (tray), G_MININT);
      json_builder_set_member_name (builder, "external");
      json_builder_add_boolean_value (builder, af_ams_tray_is_external (tray));
      add_string (builder, "material", tray->material);
      add_string (builder, "color", tray->color);
      add_int (builder, "remain", tray->remain, -1);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_problem (JsonBuilder *builder,
             const char  *source,
             char        *code,
             const char  *description,
             char        *url)
{
  g_autofree char *owned_code = code;
  g_autofree char *owned_url = url;

  if (owned_code == NULL)
    return;

  json_builder_begin_object (builder);
  add_string (builder, "source", source);
  add_string (builder, "code", owned_code);
  add_string (builder, "description", description);
  add_string (builder, "url", owned_url);
  json_builder_end_object (builder);
}

/* print_error and each HMS entry as {source, code, description, url}. */
static void
add_problems (AfPrinterStatus *self,
              JsonBuilder     *builder)
{
  guint32 code = (guint32)self->print_error;

  json_builder_set_member_name (builder, "problems");
  json_builder_begin_array (builder);
  add_problem (builder, "print_error", af_print_error_format (code),
               af_print_error_describe (code), af_print_error_dup_url (code));
  for (guint i = 0; self->hms[i] != NULL; i++)
    add_problem (builder, "hms", af_hms_format (self->hms[i]), af_hms_describe (self->hms[i]),
                 af_hms_dup_url (self->hms[i]));
  json_builder_end_array (builder);
}

char *
af_printer_status_to_json (AfPrinterStatus *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NULL);

  json_builder_begin_object (builder);
  add_string (builder, "state", af_print_state_to_string (self->state));
  add_int (builder, "percent", self->percent, -1);
  add_int (builder, "remaining_minutes", self->remaining_minutes, -1);
  add_int (builder, "layer", self->layer, -1);
  add_int (builder, "total_layers", self->total_layers, -1);
  add_double (builder, "nozzle_temperature", self->nozzle_temperature);
  add_double (builder, "nozzle_target", self->nozzle_target);
  add_double (builder, "bed_temperature", self->bed_temperature);
  add_double (builder, "bed_target", self->bed_target);
  add_double (builder, "chamber_temperature", self->chamber_temperature);
  add_string (builder, "job_name", self->job_name);
  add_string (builder, "gcode_file", self->gcode_file);
  add_int (builder, "print_error", self->print_error, G_MININT);
  json_builder_set_member_name (builder, "hms");
  json_builder_begin_array (builder);
  for (guint i = 0; self->hms[i] != NULL; i++)
    json_builder_add_string_value (builder, self->hms[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "developer_mode");
  json_builder_add_boolean_value (builder, self->developer_mode);
  add_int (builder, "stage", self->stage, -1);
  add_string (builder, "task_id", self->task_id);
  add_string (builder, "subtask_id", self->subtask_id);
  json_builder_set_member_name (builder, "needs_attention");
  json_builder_add_boolean_value (builder, self->needs_attention);
  add_problems (self, builder);
  add_trays (self, builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return af_json_to_data (root, TRUE);
}

/* Error codes */

/* The vendor's public help pages, in one place: one page per HMS code
 * (HMS_BASE_URL + "0300_0100_0001_0007"); print_error codes have no page of
 * their own, so they link to the index, as bambuddy does.
 */
#define VENDOR_WIKI_URL "https://wiki.bambulab.com/en/"
#define HMS_BASE_URL VENDOR_WIKI_URL "x1/troubleshooting/hmscode/"
#define PRINT_ERROR_INDEX_URL VENDOR_WIKI_URL "hms/home"
/* The low half of print_error from which on the printer stops for it. */
#define FAULT_THRESHOLD 0x4000

/* Our own words for the common codes; the facts (which code means what) are
 * from ha-bambulab's hms_en.json and the vendor wiki (docs/lan-protocol.md).
 */
static const struct
{
  guint32     code;
  const char *description;
} print_errors[] = {
  { 0x03004002, N_("Automatic bed levelling failed.") },
  { 0x03004004, N_("The heatbed temperature is abnormal.") },
  { 0x03004006, N_("The nozzle is clogged.") },
  { 0x0300400C, N_("The print was cancelled.") },
  { 0x03008001, N_("The print was paused on the printer.") },
  { 0x03008004, N_("The filament ran out; load new filament.") },
  { 0x03008005, N_("The toolhead’s front cover fell off; put it back.") },
  { 0x0300800F, N_("The door is open; the print was paused.") },
  { 0x05004004, N_("The printer is busy with another job.") },
  { 0x0500C010, N_("The storage card could not be read or written.") },
  { 0x07008010, N_("The AMS feed motor is overloaded; the filament may be tangled.") },
  { 0x07008011, N_("The AMS ran out of filament; load new filament.") },
  { 0x07008012, N_("The printer could not get the AMS mapping table.") },
};

static const struct
{
  const char *hms;
  const char *description;
} hms_entries[] = {
  { "HMS_0300_0100_0001_0007", N_("The heatbed temperature is abnormal; its sensor may be "
                                  "disconnected.") },
  { "HMS_0500_0500_0001_0007", N_("The printer refused an unsigned command; switch on "
                                  "Developer Mode.") },
};

char *
af_print_error_format (guint32 code)
{
  if (code == 0)
    return NULL;

  return g_strdup_printf ("%04X-%04X", code >> 16, code & 0xffff);
}

gboolean
af_print_error_is_fault (guint32 code)
{
  return code != 0 && (code & 0xffff) >= FAULT_THRESHOLD;
}

const char *
af_print_error_describe (guint32 code)
{
  guint32 unit = (code >> 16) & 0xff;

  /* 0x07UU_xxxx names AMS unit UU; the meaning is the same for each unit. */
  if ((code >> 24) == 0x07 && unit < 4)
    code &= 0xff00ffff;

  for (guint i = 0; i < G_N_ELEMENTS (print_errors); i++)
    if (print_errors[i].code == code)
      return g_dgettext (GETTEXT_PACKAGE, print_errors[i].description);

  return NULL;
}

char *
af_print_error_dup_url (guint32 code)
{
  return code != 0 ? g_strdup (PRINT_ERROR_INDEX_URL) : NULL;
}

/* "HMS_0300_0100_0001_0007": the shape merge_hms() writes. */
static gboolean
hms_is_valid (const char *hms)
{
  if (hms == NULL || strlen (hms) != 23 || !g_str_has_prefix (hms, "HMS_"))
    return FALSE;
  for (guint i = 4; i < 23; i++)
    if ((i - 3) % 5 == 0 ? hms[i] != '_' : !g_ascii_isxdigit (hms[i]))
      return FALSE;

  return TRUE;
}

char *
af_hms_format (const char *hms)
{
  if (!hms_is_valid (hms))
    return NULL;

  return g_strdelimit (g_strdup (hms + 4), "_", '-');
}

const char *
af_hms_describe (const char *hms)
{
  for (guint i = 0; hms != NULL && i < G_N_ELEMENTS (hms_entries); i++)
    if (g_ascii_strcasecmp (hms_entries[i].hms, hms) == 0)
      return g_dgettext (GETTEXT_PACKAGE, hms_entries[i].description);

  return NULL;
}

char *
af_hms_dup_url (const char *hms)
{
  if (!hms_is_valid (hms))
    return NULL;

  return g_strconcat (HMS_BASE_URL, hms + 4, NULL);
}

static void
append_problem (GString    *text,
                const char *code,
                const char *description,
                const char *url)
{
  if (text->len > 0)
    g_string_append (text, " ");
  if (description != NULL)
    /* Translators: one problem the printer reports: its code, e.g. "0700-8011", our
     * description, then the vendor's help page
     */
    g_string_append_printf (text, _("%s: %s (%s)"), code, description, url);
  else
    /* Translators: one problem the printer reports without a description of ours: its
     * code, e.g. "0700-8011", then the vendor's help page
     */
    g_string_append_printf (text, _("%s (%s)"), code, url);
}

char *
af_printer_status_dup_problem (AfPrinterStatus *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (AF_IS_PRINTER_STATUS (self), NULL);

  if (self->print_error != 0)
    {
      g_autofree char *code = af_print_error_format ((guint32)self->print_error);
      g_autofree char *url = af_print_error_dup_url ((guint32)self->print_error);

      append_problem (text, code, af_print_error_describe ((guint32)self->print_error), url);
    }
  for (guint i = 0; self->hms[i] != NULL; i++)
    {
      g_autofree char *code = af_hms_format (self->hms[i]);
      g_autofree char *url = af_hms_dup_url (self->hms[i]);

      if (code != NULL)
        append_problem (text, code, af_hms_describe (self->hms[i]), url);
    }

  if (text->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&text), FALSE);
}
