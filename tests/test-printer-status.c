/* test-printer-status.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-printer-status"

#include "config.h"

#include <math.h>
#include <string.h>

#include "af-lan.h"

/* Every expected value below was read by hand from the corpus file it
 * belongs to, not taken from the merger's output.
 */

typedef struct
{
  const char   *file;
  AfPrintState  state;
  gint          percent;
  gint          remaining;
  gint          layer;
  gint          total_layers;
  double        nozzle;
  double        nozzle_target;
  double        bed;
  double        bed_target;
  double        chamber;
  const char   *job_name;
  const char   *gcode_file;
  gboolean      developer_mode;
  gint          stage;
  guint         n_trays;
  guint         n_hms;
  /* Two trays: position in the model, ams id, slot, material, colour, remain. */
  struct {
    guint       position;
    guint       ams_id;
    guint       slot_id;
    const char *material;
    const char *color;
    gint        remain;
    gint        index;
  } trays[2];
} Expected;

static const Expected expected[] = {
  { "MOCK-P1PNOAMS.json", AF_PRINT_STATE_FINISH, 100, 0, 124, 124,
    25.90625, 0, 23.125, 0, 5, "sensor_altanl\303\245s_v2_v3", "", TRUE, 255, 1, 0,
    { { 0, 255, 0, "PETG", "#BCBCBC", 0, -1 },
      { 0, 255, 0, "PETG", "#BCBCBC", 0, -1 } } },
  { "MOCK-A1.json", AF_PRINT_STATE_IDLE, 0, 0, 0, 0,
    27.8125, 0, 29.75, 0, 5, "", "", TRUE, 0, 5, 0,
    { { 1, 0, 1, "PLA", "#FFF144", 100, 1 },
      { 4, 255, 0, "PLA", "#FFFFFF", 0, -1 } } },
  /* The P2S has no chamber_temper; device.ctc.info.temp says 47, and its
   * external spool is in vir_slot (empty). fun 0x…A3FF9CB7 has bit 29 set.
   */
  { "MOCK-P2S.json", AF_PRINT_STATE_RUNNING, 64, 62, 170, 305,
    254, 255, 70, 70, 47, "Rear Dry Pod AMS 2 PRO ", "/data/Metadata/plate_1.gcode", FALSE, 0,
    5, 0,
    { { 3, 0, 3, "PETG", "#FFFFFF", -1, 3 },
      { 4, 255, 0, NULL, NULL, -1, -1 } } },
  /* Four AMS units (0, 1, 2 and the AMS HT 128) with 4+4+4+1 trays, unit 2
   * slot 0 empty, plus an empty vt_tray; chamber from device.ctc (25).
   */
  { "MOCK-X1CMULTIAMS.json", AF_PRINT_STATE_FINISH, 100, 0, 480, 480,
    26, 0, 23, 0, 25, "Garden Hose Healer: Male fitting", "/data/Metadata/plate_1.gcode",
    FALSE, -1, 14, 0,
    { { 4, 1, 0, "ABS", "#D32941", 21, 4 },
      { 12, 128, 0, "PA-CF", "#000000", 100, 128 } } },
};

static char *
corpus_path (const char *name)
{
  const char *dir = g_getenv ("AF_CORPUS_DIR");

  return g_build_filename (dir != NULL ? dir : AF_CORPUS_DIR, "mqtt", name, NULL);
}

/* The corpus files wrap the report as {"pushall": {"print": …}, …}. */
static JsonObject *
load_print (const char *name)
{
  g_autofree char *path = corpus_path (name);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  root = json_object_get_object_member (root, "pushall");
  return json_object_ref (json_object_get_object_member (root, "print"));
}

static char *
print_to_payload (JsonObject *print)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) root = json_object_new ();

  json_object_set_object_member (root, "print", json_object_ref (print));
  json_node_set_object (node, root);
  return json_to_string (node, FALSE);
}

static AfPrinterStatus *
status_from_print (JsonObject *print)
{
  AfPrinterStatus *status = af_printer_status_new ();
  g_autofree char *payload = print_to_payload (print);
  g_autoptr(GError) error = NULL;

  af_printer_status_merge (status, payload, -1, &error);
  g_assert_no_error (error);
  return status;
}

static void
assert_tray (GListModel *trays,
             guint       position,
             guint       ams_id,
             guint       slot_id,
             const char *material,
             const char *color,
             gint        remain,
             gint        index)
{
  g_autoptr(AfAmsTray) tray = g_list_model_get_item (trays, position);

  g_assert_nonnull (tray);
  g_assert_cmpuint (af_ams_tray_get_ams_id (tray), ==, ams_id);
  g_assert_cmpuint (af_ams_tray_get_slot_id (tray), ==, slot_id);
  g_assert_cmpstr (af_ams_tray_get_material (tray), ==, material);
  g_assert_cmpstr (af_ams_tray_get_color (tray), ==, color);
  g_assert_cmpint (af_ams_tray_get_remain (tray), ==, remain);
  g_assert_cmpint (af_ams_tray_get_global_index (tray), ==, index);
  g_assert_true (af_ams_tray_is_external (tray) == (ams_id == 255 || ams_id == 254));
}

static void
assert_expected (AfPrinterStatus *status,
                 const Expected  *e)
{
  GListModel *trays = af_printer_status_get_trays (status);

  g_assert_cmpint (af_printer_status_get_state (status), ==, e->state);
  g_assert_cmpint (af_printer_status_get_percent (status), ==, e->percent);
  g_assert_cmpint (af_printer_status_get_remaining_minutes (status), ==, e->remaining);
  g_assert_cmpint (af_printer_status_get_layer (status), ==, e->layer);
  g_assert_cmpint (af_printer_status_get_total_layers (status), ==, e->total_layers);
  g_assert_cmpfloat (af_printer_status_get_nozzle_temperature (status), ==, e->nozzle);
  g_assert_cmpfloat (af_printer_status_get_nozzle_target (status), ==, e->nozzle_target);
  g_assert_cmpfloat (af_printer_status_get_bed_temperature (status), ==, e->bed);
  g_assert_cmpfloat (af_printer_status_get_bed_target (status), ==, e->bed_target);
  g_assert_cmpfloat (af_printer_status_get_chamber_temperature (status), ==, e->chamber);
  g_assert_cmpstr (af_printer_status_get_job_name (status), ==, e->job_name);
  g_assert_cmpstr (af_printer_status_get_gcode_file (status), ==, e->gcode_file);
  g_assert_cmpint (af_printer_status_get_print_error (status), ==, 0);
  g_assert_cmpuint (g_strv_length ((char **)af_printer_status_get_hms (status)), ==, e->n_hms);
  g_assert_true (af_printer_status_get_developer_mode (status) == e->developer_mode);
  g_assert_cmpint (af_printer_status_get_stage (status), ==, e->stage);
  g_assert_cmpuint (g_list_model_get_n_items (trays), ==, e->n_trays);
  for (guint i = 0; i < G_N_ELEMENTS (e->trays); i++)
    assert_tray (trays, e->trays[i].position, e->trays[i].ams_id, e->trays[i].slot_id,
                 e->trays[i].material, e->trays[i].color, e->trays[i].remain,
                 e->trays[i].index);
}

static void
test_corpus (gconstpointer data)
{
  const Expected *e = data;
  g_autoptr(JsonObject) print = load_print (e->file);
  g_autoptr(AfPrinterStatus) status = status_from_print (print);

  assert_expected (status, e);
  g_assert_finalize_object (g_steal_pointer (&status));
}

/* The X1C's unit 2 slot 0 is {"id","state"} only: an empty tray. */
static void
test_corpus_empty_tray (void)
{
  g_autoptr(JsonObject) print = load_print ("MOCK-X1CMULTIAMS.json");
  g_autoptr(AfPrinterStatus) status = status_from_print (print);

  assert_tray (af_printer_status_get_trays (status), 8, 2, 0, NULL, NULL, -1, 8);
  assert_tray (af_printer_status_get_trays (status), 13, 255, 0, NULL, NULL, -1, -1);
}

/* One delta per top-level field, marked msg 1. */
static GPtrArray *
split_into_deltas (JsonObject *print)
{
  GPtrArray *deltas = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GList) members = json_object_get_members (print);

  for (GList *l = members; l != NULL; l = l->next)
    {
      g_autoptr(JsonObject) delta = json_object_new ();

      if (g_str_equal (l->data, "msg") || g_str_equal (l->data, "command"))
        continue;
      json_object_set_member (delta, l->data,
                              json_node_copy (json_object_get_member (print, l->data)));
      json_object_set_string_member (delta, "command", "push_status");
      json_object_set_int_member (delta, "msg", 1);
      g_ptr_array_add (deltas, print_to_payload (delta));
    }

  return deltas;
}

static void
merge_payload (AfPrinterStatus *status,
               const char      *payload)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (af_printer_status_merge (status, payload, -1, &error));
  g_assert_no_error (error);
}

/* A job in progress, derived from the corpus report by changing fields. */
static JsonObject *
advance (JsonObject *print)
{
  g_autofree char *text = print_to_payload (print);
  g_autoptr(JsonNode) copy = json_from_string (text, NULL);
  JsonObject *changed;
  JsonArray *hms = json_array_new ();
  JsonObject *entry = json_object_new ();

  /* json_node_copy() is shallow; a round trip through text is not. */
  changed = json_object_get_object_member (json_node_get_object (copy), "print");
  json_object_set_string_member (changed, "gcode_state", "RUNNING");
  json_object_set_int_member (changed, "mc_percent", 42);
  json_object_set_int_member (changed, "mc_remaining_time", 17);
  json_object_set_int_member (changed, "layer_num", 12);
  json_object_set_double_member (changed, "nozzle_temper", 219.5);
  json_object_set_string_member (changed, "subtask_name", "advanced");
  json_object_set_int_member (entry, "attr", 0x0C003000);
  json_object_set_int_member (entry, "code", 0x00020001);
  json_array_add_object_element (hms, entry);
  json_object_set_array_member (changed, "hms", hms);

  return json_object_ref (changed);
}

static void
test_deltas (gconstpointer data)
{
  const Expected *e = data;
  g_autoptr(JsonObject) print = load_print (e->file);
  g_autoptr(JsonObject) later = advance (print);
  g_autoptr(AfPrinterStatus) whole = status_from_print (print);
  g_autoptr(AfPrinterStatus) pieces = af_printer_status_new ();
  g_autoptr(AfPrinterStatus) direct = status_from_print (later);
  g_autoptr(AfPrinterStatus) merged = status_from_print (print);
  g_autoptr(GPtrArray) deltas = split_into_deltas (print);
  g_autoptr(GPtrArray) later_deltas = split_into_deltas (later);
  g_autofree char *whole_json = NULL;
  g_autofree char *pieces_json = NULL;
  g_autofree char *direct_json = NULL;
  g_autofree char *merged_json = NULL;

  /* The report cut into one delta per field builds the same state. */
  for (guint i = 0; i < deltas->len; i++)
    merge_payload (pieces, g_ptr_array_index (deltas, i));
  whole_json = af_printer_status_to_json (whole);
  pieces_json = af_printer_status_to_json (pieces);
  g_assert_cmpstr (pieces_json, ==, whole_json);
  assert_expected (pieces, e);

  /* A full report followed by deltas equals the later full report. */
  for (guint i = 0; i < later_deltas->len; i++)
    merge_payload (merged, g_ptr_array_index (later_deltas, i));
  direct_json = af_printer_status_to_json (direct);
  merged_json = af_printer_status_to_json (merged);
  g_assert_cmpstr (merged_json, ==, direct_json);
  g_assert_cmpint (af_printer_status_get_state (merged), ==, AF_PRINT_STATE_RUNNING);
  g_assert_cmpint (af_printer_status_get_percent (merged), ==, 42);
  g_assert_cmpstr (af_printer_status_get_hms (merged)[0], ==, "HMS_0C00_3000_0002_0001");
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 GPtrArray  *names)
{
  g_ptr_array_add (names, g_strdup (pspec->name));
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static void
test_notify (void)
{
  g_autoptr(JsonObject) print = load_print ("MOCK-A1.json");
  g_autoptr(AfPrinterStatus) status = status_from_print (print);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *payload = print_to_payload (print);
  g_autoptr(AfAmsTray) tray = g_list_model_get_item (af_printer_status_get_trays (status), 0);
  guint tray_notifies = 0;

  g_signal_connect (status, "notify", G_CALLBACK (count_notify_cb), names);
  g_signal_connect_swapped (tray, "notify", G_CALLBACK (count_cb), &tray_notifies);

  /* The same report again changes nothing, so nothing notifies. */
  merge_payload (status, payload);
  g_assert_cmpuint (names->len, ==, 0);

  merge_payload (status, "{\"print\":{\"command\":\"push_status\",\"msg\":1,"
                         "\"mc_percent\":7,\"bed_temper\":29.75}}");
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "percent");

  /* A tray changes in place: the tray notifies, the list does not. */
  merge_payload (status, "{\"print\":{\"command\":\"push_status\",\"msg\":1,\"ams\":{\"ams\":"
                         "[{\"id\":\"0\",\"tray\":[{\"id\":\"0\",\"tray_type\":\"PETG\","
                         "\"tray_color\":\"a1b2c3ff\"}]}]}}}");
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_cmpstr (af_ams_tray_get_material (tray), ==, "PETG");
  g_assert_cmpstr (af_ams_tray_get_color (tray), ==, "#A1B2C3");
  g_assert_cmpuint (g_list_model_get_n_items (af_printer_status_get_trays (status)), ==, 5);
  g_assert_cmpuint (tray_notifies, ==, 2);
}

static void
test_wrong_types (void)
{
  g_autoptr(JsonObject) print = load_print ("MOCK-A1.json");
  g_autoptr(AfPrinterStatus) status = status_from_print (print);
  g_autofree char *before = af_printer_status_to_json (status);
  g_autofree char *after = NULL;
  /* Named, so that each concatenation is plainly one string. */
  const char *wrong_types =
    "{\"print\":{\"gcode_state\":5,\"mc_percent\":\"abc\",\"mc_remaining_time\":[],"
    "\"layer_num\":{},\"total_layer_num\":true,\"nozzle_temper\":\"hot\","
    "\"bed_temper\":null,\"subtask_name\":7,\"gcode_file\":[1],\"print_error\":1e300,"
    "\"hms\":{},\"fun\":12,\"stg_cur\":\"x\",\"ams\":[],\"vt_tray\":\"x\"}}";
  const char *wrong_ams =
    "{\"print\":{\"ams\":{\"ams\":[{\"id\":[],\"tray\":5},7,{\"id\":\"0\",\"tray\":"
    "[3,{\"id\":\"9\"},{\"id\":{},\"tray_type\":\"ABS\"},{\"id\":\"0\",\"tray_type\":5,"
    "\"tray_color\":\"zzzzzzzz\",\"remain\":\"1\"}]}]}}}";
  const char *wrong_hms =
    "{\"print\":{\"hms\":[1,\"x\",{\"attr\":\"1\",\"code\":2},{\"attr\":-1,\"code\":1}],"
    "\"device\":{\"ctc\":{\"info\":\"x\"}},\"vir_slot\":[1]}}";
  const char *bad[] = {
    wrong_types, wrong_ams, wrong_hms,
    "{\"print\":[]}", "[]", "3", "{\"print\":{\"command\":\"project_file\",\"mc_percent\":9}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    merge_payload (status, bad[i]);

  after = af_printer_status_to_json (status);
  g_assert_cmpstr (after, ==, before);
}

static void
test_not_json (void)
{
  g_autoptr(AfPrinterStatus) status = af_printer_status_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (af_printer_status_merge (status, "{\"print\":", -1, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_PROTOCOL);
}

static void
test_hms (void)
{
  g_autoptr(AfPrinterStatus) status = af_printer_status_new ();
  const char * const *hms;

  merge_payload (status, "{\"print\":{\"hms\":[{\"attr\":83902468,\"code\":65540},"
                         "{\"attr\":83887360,\"code\":65543}]}}");
  hms = af_printer_status_get_hms (status);
  g_assert_cmpstr (hms[0], ==, "HMS_0500_4004_0001_0004");
  g_assert_cmpstr (hms[1], ==, "HMS_0500_0500_0001_0007");
  g_assert_null (hms[2]);

  merge_payload (status, "{\"print\":{\"hms\":[]}}");
  g_assert_null (af_printer_status_get_hms (status)[0]);
}

static void
test_state_strings (void)
{
  g_assert_cmpint (af_print_state_from_string ("RUNNING"), ==, AF_PRINT_STATE_RUNNING);
  g_assert_cmpint (af_print_state_from_string ("pause"), ==, AF_PRINT_STATE_PAUSE);
  g_assert_cmpint (af_print_state_from_string ("INIT"), ==, AF_PRINT_STATE_UNKNOWN);
  g_assert_cmpint (af_print_state_from_string (NULL), ==, AF_PRINT_STATE_UNKNOWN);
  g_assert_cmpstr (af_print_state_to_string (AF_PRINT_STATE_FAILED), ==, "FAILED");
  g_assert_cmpstr (af_print_state_to_string (99), ==, "UNKNOWN");
  g_assert_true (af_print_state_is_ready (AF_PRINT_STATE_IDLE));
  g_assert_true (af_print_state_is_ready (AF_PRINT_STATE_FINISH));
  g_assert_true (af_print_state_is_ready (AF_PRINT_STATE_FAILED));
  g_assert_false (af_print_state_is_ready (AF_PRINT_STATE_RUNNING));
  g_assert_false (af_print_state_is_ready (AF_PRINT_STATE_UNKNOWN));
}

static void
test_to_json (void)
{
  g_autoptr(JsonObject) print = load_print ("MOCK-P1PNOAMS.json");
  g_autoptr(AfPrinterStatus) status = status_from_print (print);
  g_autoptr(AfPrinterStatus) empty = af_printer_status_new ();
  g_autofree char *json = af_printer_status_to_json (status);
  g_autofree char *empty_json = af_printer_status_to_json (empty);
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  JsonObject *object = json_node_get_object (node);
  JsonObject *tray;

  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "FINISH");
  g_assert_cmpint (json_object_get_int_member (object, "layer"), ==, 124);
  g_assert_nonnull (strstr (json, "\"nozzle_temperature\" : 25.90625"));
  g_assert_nonnull (strstr (json, "\"bed_target\" : 0"));
  tray = json_array_get_object_element (json_object_get_array_member (object, "trays"), 0);
  g_assert_cmpstr (json_object_get_string_member (tray, "color"), ==, "#BCBCBC");
  g_assert_true (json_object_get_boolean_member (tray, "external"));
  g_assert_nonnull (strstr (empty_json, "\"percent\" : null"));
  g_assert_nonnull (strstr (empty_json, "\"state\" : \"UNKNOWN\""));
}

static void
test_print_options (void)
{
  g_autoptr(AfPrintOptions) options = af_print_options_new ();
  g_autoptr(AfPrintOptions) copy = NULL;
  g_autoptr(GError) error = NULL;
  const char *bad[] = { "", "1", "0=1", "1=16", "1=x", "1=2=3", "99=0", "1=-1", "1=136",
                        "1=253", "1=256" };

  g_assert_true (af_print_options_parse_ams_map (options, "2=254,3=5, 1=ext,4=128", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (options->ams_mapping->len, ==, 4);
  g_assert_cmpint (g_array_index (options->ams_mapping, gint, 1), ==, 254);
  g_assert_true (af_print_options_parse_ams_map (options, "3=5, 1=ext,4=128", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (options->ams_mapping->len, ==, 4);
  g_assert_cmpint (g_array_index (options->ams_mapping, gint, 0), ==, AF_AMS_MAPPING_EXTERNAL);
  g_assert_cmpint (g_array_index (options->ams_mapping, gint, 1), ==, -1);
  g_assert_cmpint (g_array_index (options->ams_mapping, gint, 2), ==, 5);
  g_assert_cmpint (g_array_index (options->ams_mapping, gint, 3), ==, 128);

  options->job_name = g_strdup ("cube");
  copy = af_print_options_copy (options);
  g_assert_cmpstr (copy->job_name, ==, "cube");
  g_assert_cmpuint (copy->ams_mapping->len, ==, 4);
  g_assert_true (copy->ams_mapping != options->ams_mapping);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_false (af_print_options_parse_ams_map (options, bad[i], &error));
      g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED);
    }
  g_assert_cmpuint (options->ams_mapping->len, ==, 4);
}

/* print_error and HMS as the printer's screen shows them; the descriptions
 * and pages were checked by hand against hms_en.json and the vendor wiki.
 */
static void
test_error_codes (void)
{
  g_autofree char *busy = af_print_error_format (0x05004004);
  g_autofree char *runout = af_print_error_format (117473297);   /* 0x07008011 */
  g_autofree char *url = af_print_error_dup_url (0x07008011);
  g_autofree char *hms = af_hms_format ("HMS_0300_0100_0001_0007");
  g_autofree char *hms_url = af_hms_dup_url ("HMS_0300_0100_0001_0007");
  const char *bad_hms[] = { "HMS_0300_0100_0001_000", "HMS-0300_0100_0001_0007",
                            "HMS_0300_0100_0001_00G7", "HMS_0300_0100_0001_00070", "" };

  g_assert_cmpstr (busy, ==, "0500-4004");
  g_assert_cmpstr (runout, ==, "0700-8011");
  g_assert_null (af_print_error_format (0));
  g_assert_cmpstr (url, ==, "https://wiki.bambulab.com/en/hms/home");
  g_assert_null (af_print_error_dup_url (0));
  g_assert_nonnull (af_print_error_describe (0x0300400C));
  g_assert_nonnull (strstr (af_print_error_describe (0x0500C010), "storage card"));
  g_assert_nonnull (strstr (af_print_error_describe (0x07008012), "AMS mapping table"));
  /* The AMS unit in the high half does not change the meaning; 07FF is no unit. */
  g_assert_cmpstr (af_print_error_describe (0x07028011), ==, af_print_error_describe (0x07008011));
  g_assert_null (af_print_error_describe (0x07FF8011));
  g_assert_null (af_print_error_describe (0x12345678));
  g_assert_true (af_print_error_is_fault (0x07008011));
  g_assert_true (af_print_error_is_fault (0x0300400C));
  g_assert_false (af_print_error_is_fault (0x03003FFF));
  g_assert_false (af_print_error_is_fault (0));

  g_assert_cmpstr (hms, ==, "0300-0100-0001-0007");
  g_assert_cmpstr (hms_url, ==,
                   "https://wiki.bambulab.com/en/x1/troubleshooting/hmscode/0300_0100_0001_0007");
  g_assert_nonnull (strstr (af_hms_describe ("HMS_0300_0100_0001_0007"), "heatbed"));
  g_assert_null (af_hms_describe ("HMS_0300_0100_0001_0008"));
  for (guint i = 0; i < G_N_ELEMENTS (bad_hms); i++)
    {
      g_assert_null (af_hms_format (bad_hms[i]));
      g_assert_null (af_hms_dup_url (bad_hms[i]));
    }
  g_assert_null (af_hms_format (NULL));
}

static void
attention_notify_cb (GObject    *object,
                     GParamSpec *pspec,
                     guint      *count)
{
  (*count)++;
}

/* The X1C report, then a start that pauses on AMS filament runout (print_error
 * 0x07008011 and HMS 0700_2000_0002_0001, as real firmware reports it).
 */
static void
test_needs_attention (void)
{
  g_autoptr(JsonObject) print = load_print ("MOCK-X1CMULTIAMS.json");
  g_autoptr(AfPrinterStatus) status = status_from_print (print);
  g_autofree char *problem = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *problems;
  JsonObject *first;
  guint notified = 0;

  g_assert_false (af_printer_status_get_needs_attention (status));
  g_assert_null (af_printer_status_dup_problem (status));
  g_signal_connect (status, "notify::needs-attention", G_CALLBACK (attention_notify_cb), &notified);

  merge_payload (status, "{\"print\":{\"command\":\"push_status\",\"msg\":1,"
                         "\"gcode_state\":\"PREPARE\"}}");
  g_assert_false (af_printer_status_get_needs_attention (status));
  merge_payload (status, "{\"print\":{\"command\":\"push_status\",\"msg\":1,"
                         "\"gcode_state\":\"PAUSE\",\"print_error\":117473297,"
                         "\"hms\":[{\"attr\":117448704,\"code\":131073}]}}");
  g_assert_true (af_printer_status_get_needs_attention (status));
  g_assert_cmpuint (notified, ==, 1);

  problem = af_printer_status_dup_problem (status);
  g_assert_nonnull (strstr (problem, "0700-8011: "));
  g_assert_nonnull (strstr (problem, af_print_error_describe (0x07008011)));
  g_assert_nonnull (strstr (problem, "(https://wiki.bambulab.com/en/hms/home)"));
  g_assert_nonnull (strstr (problem, "0700-2000-0002-0001 (https://wiki.bambulab.com/en/x1/"
                                     "troubleshooting/hmscode/0700_2000_0002_0001)"));

  json = af_printer_status_to_json (status);
  node = json_from_string (json, NULL);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (node),
                                                 "needs_attention"));
  problems = json_object_get_array_member (json_node_get_object (node), "problems");
  g_assert_cmpuint (json_array_get_length (problems), ==, 2);
  first = json_array_get_object_element (problems, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "source"), ==, "print_error");
  g_assert_cmpstr (json_object_get_string_member (first, "code"), ==, "0700-8011");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (problems, 1),
                                                  "code"), ==, "0700-2000-0002-0001");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (
                   json_array_get_object_element (problems, 1), "description")));

  /* Paused with a notice (low half below 0x4000), or with no error: not a fault. */
  merge_payload (status, "{\"print\":{\"print_error\":50339856,\"hms\":[]}}");
  g_assert_false (af_printer_status_get_needs_attention (status));
  merge_payload (status, "{\"print\":{\"print_error\":0}}");
  g_assert_false (af_printer_status_get_needs_attention (status));
  /* A fault while RUNNING is not "needs attention" until the printer stops. */
  merge_payload (status, "{\"print\":{\"gcode_state\":\"RUNNING\",\"print_error\":117473297}}");
  g_assert_false (af_printer_status_get_needs_attention (status));
  g_assert_cmpuint (notified, ==, 2);
}

/* The P1P corpus report echoes the ids of the job it printed. */
static void
test_task_ids (void)
{
  g_autoptr(JsonObject) print = load_print ("MOCK-P1PNOAMS.json");
  g_autoptr(AfPrinterStatus) status = status_from_print (print);
  g_autofree char *json = af_printer_status_to_json (status);

  g_assert_cmpstr (af_printer_status_get_task_id (status), ==, "715417865");
  g_assert_cmpstr (af_printer_status_get_subtask_id (status), ==, "715417867");
  g_assert_nonnull (strstr (json, "\"subtask_id\" : \"715417867\""));
}

/* The external spools of an H2D, shaped as in ha-bambulab's MOCK-H2D.json
 * (vir_slot "254" and "255", vt_tray repeating "255"), with filament loaded.
 */
static const char h2d_report[] =
  "{\"print\":{\"command\":\"push_status\",\"msg\":0,\"gcode_state\":\"IDLE\","
  "\"ams\":{\"ams\":[{\"id\":\"0\",\"tray\":[{\"id\":\"0\",\"tray_type\":\"PLA\","
  "\"tray_color\":\"FFFFFFFF\",\"remain\":1}]}]},"
  "\"vir_slot\":[{\"id\":\"254\",\"tray_type\":\"PETG\",\"tray_color\":\"00AE42FF\","
  "\"remain\":0},{\"id\":\"255\",\"tray_type\":\"PLA\",\"tray_color\":\"808080FF\","
  "\"remain\":0}],"
  "\"vt_tray\":{\"id\":\"255\",\"tray_type\":\"PLA\",\"tray_color\":\"808080FF\"}}}";

static void
test_dual_external (void)
{
  g_autoptr(AfPrinterStatus) status = af_printer_status_new ();
  GListModel *trays = af_printer_status_get_trays (status);
  g_autoptr(AfAmsTray) left = NULL;
  g_autoptr(AfAmsTray) right = NULL;

  merge_payload (status, h2d_report);
  g_assert_cmpuint (g_list_model_get_n_items (trays), ==, 3);
  assert_tray (trays, 1, 254, 0, "PETG", "#00AE42", 0, -1);
  assert_tray (trays, 2, 255, 0, "PLA", "#808080", 0, -1);
  left = g_list_model_get_item (trays, 1);
  right = g_list_model_get_item (trays, 2);
  g_assert_true (af_ams_tray_is_external (left));
  g_assert_true (af_ams_tray_is_external (right));
  g_assert_cmpint (af_ams_tray_get_mapping_id (left), ==, AF_AMS_MAPPING_EXTERNAL_DEPUTY);
  g_assert_cmpint (af_ams_tray_get_mapping_id (right), ==, AF_AMS_MAPPING_EXTERNAL);

  /* A later vt_tray alone does not turn the two into one. */
  merge_payload (status, "{\"print\":{\"vt_tray\":{\"id\":\"255\",\"tray_type\":\"ABS\"}}}");
  g_assert_cmpuint (g_list_model_get_n_items (trays), ==, 3);
  assert_tray (trays, 2, 255, 0, "PLA", "#808080", 0, -1);
}

static void
test_cali_modes (void)
{
  g_autoptr(AfPrintOptions) options = NULL;
  AfModelFeatures features;
  AfCaliMode mode = AF_CALI_MODE_OFF;
  const struct
  {
    const char *model;
    AfCaliMode  bed, flow, offset;
    gboolean    layer_inspect, vibration_cali;
  } cases[] = {
    /* All AUTO asked, layer_inspect and vibration_cali asked. */
    { "C12", AF_CALI_MODE_ON, AF_CALI_MODE_OFF, AF_CALI_MODE_OFF, FALSE, TRUE },
    { "N2S", AF_CALI_MODE_ON, AF_CALI_MODE_OFF, AF_CALI_MODE_OFF, FALSE, TRUE },
    { "BL-P001", AF_CALI_MODE_ON, AF_CALI_MODE_OFF, AF_CALI_MODE_OFF, TRUE, TRUE },
    { "C13", AF_CALI_MODE_ON, AF_CALI_MODE_OFF, AF_CALI_MODE_OFF, TRUE, TRUE },
    { "N7", AF_CALI_MODE_AUTO, AF_CALI_MODE_AUTO, AF_CALI_MODE_OFF, TRUE, FALSE },
    { "O1D", AF_CALI_MODE_AUTO, AF_CALI_MODE_AUTO, AF_CALI_MODE_AUTO, TRUE, TRUE },
    { "O1C2", AF_CALI_MODE_AUTO, AF_CALI_MODE_AUTO, AF_CALI_MODE_AUTO, FALSE, TRUE },
    { NULL, AF_CALI_MODE_ON, AF_CALI_MODE_OFF, AF_CALI_MODE_OFF, FALSE, TRUE },
  };

  g_assert_true (af_cali_mode_parse ("Auto", &mode));
  g_assert_cmpint (mode, ==, AF_CALI_MODE_AUTO);
  g_assert_true (af_cali_mode_parse ("off", &mode));
  g_assert_cmpint (mode, ==, AF_CALI_MODE_OFF);
  g_assert_false (af_cali_mode_parse ("yes", &mode));
  g_assert_false (af_cali_mode_parse (NULL, &mode));
  g_assert_cmpstr (af_cali_mode_to_string (AF_CALI_MODE_ON), ==, "on");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_clear_pointer (&options, af_print_options_free);
      options = af_print_options_new ();
      options->vibration_cali = TRUE;
      af_print_options_apply_model (options, cases[i].model);
      g_assert_cmpint (options->bed_leveling, ==, cases[i].bed);
      g_assert_cmpint (options->flow_cali, ==, cases[i].flow);
      g_assert_cmpint (options->nozzle_offset_cali, ==, cases[i].offset);
      g_assert_cmpint (options->layer_inspect, ==, cases[i].layer_inspect);
      g_assert_cmpint (options->vibration_cali, ==, cases[i].vibration_cali);
    }

  /* An explicit choice stays; off stays off even where "auto" exists. */
  options->bed_leveling = AF_CALI_MODE_OFF;
  options->flow_cali = AF_CALI_MODE_ON;
  af_print_options_apply_model (options, "O1D");
  g_assert_cmpint (options->bed_leveling, ==, AF_CALI_MODE_OFF);
  g_assert_cmpint (options->flow_cali, ==, AF_CALI_MODE_ON);
  af_print_options_get_model_features ("O1D", &features);
  g_assert_true (features.nozzle_offset_cali && features.cali_auto);
}

/* "Würfel — 日本語 … " repeated: 2-byte, 3-byte and 1-byte characters, so the
 * 100-byte limit falls inside a character.
 */
static void
test_job_name (void)
{
  g_autoptr(GString) name = g_string_new (NULL);
  g_autofree char *cut = NULL;
  g_autofree char *short_name = af_print_options_truncate_name ("Würfel");
  g_autofree char *broken = af_print_options_truncate_name ("a\xff" "b");
  g_autofree char *exact = NULL;

  g_string_append (name, "xy");
  while (name->len <= 120)
    g_string_append (name, "W\303\274rfel \342\200\224 \346\227\245\346\234\254\350\252\236 "
                           "\342\200\246 ");
  /* The limit falls inside 語. */
  g_assert_cmpint ((guchar)name->str[AF_PRINT_OPTIONS_MAX_JOB_NAME] & 0xc0, ==, 0x80);
  cut = af_print_options_truncate_name (name->str);
  g_assert_true (g_utf8_validate (cut, -1, NULL));
  g_assert_cmpuint (strlen (cut), <=, AF_PRINT_OPTIONS_MAX_JOB_NAME);
  /* The longest whole-character prefix: one more character would not fit. */
  g_assert_true (g_str_has_prefix (name->str, cut));
  g_assert_cmpuint (strlen (cut) + (g_utf8_next_char (name->str + strlen (cut)) -
                                    (name->str + strlen (cut))), >,
                    AF_PRINT_OPTIONS_MAX_JOB_NAME);
  g_assert_cmpuint (strlen (cut), <, AF_PRINT_OPTIONS_MAX_JOB_NAME);

  g_assert_cmpstr (short_name, ==, "Würfel");
  g_assert_true (g_utf8_validate (broken, -1, NULL));
  g_string_truncate (name, 0);
  for (guint i = 0; i < AF_PRINT_OPTIONS_MAX_JOB_NAME; i++)
    g_string_append_c (name, 'x');
  exact = af_print_options_truncate_name (name->str);
  g_assert_cmpuint (strlen (exact), ==, AF_PRINT_OPTIONS_MAX_JOB_NAME);
  g_string_append_c (name, 'y');
  g_clear_pointer (&exact, g_free);
  exact = af_print_options_truncate_name (name->str);
  g_assert_cmpuint (strlen (exact), ==, AF_PRINT_OPTIONS_MAX_JOB_NAME);

  for (guint i = 0; i < 1000; i++)
    {
      guint32 id = af_print_options_new_task_id (7);

      g_assert_cmpuint (id, >=, 1);
      g_assert_cmpuint (id, <, 1u << 31);
      g_assert_cmpuint (id, !=, 7);
    }
}

static void
test_fingerprint_text (void)
{
  const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  g_autofree char *upper = g_ascii_strup (hex, -1);
  g_autofree char *formatted = af_tls_format_fingerprint (hex);
  g_autofree char *back = af_tls_normalize_fingerprint (formatted);
  g_autofree char *from_upper = af_tls_normalize_fingerprint (upper);
  g_autofree char *bad_short = af_tls_normalize_fingerprint ("abcd");
  g_autofree char *bad_char = af_tls_normalize_fingerprint ("zz23456789abcdef0123456789abcdef"
                                                            "0123456789abcdef0123456789abcdef");

  g_assert_cmpstr (formatted, ==, "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:"
                                  "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef");
  g_assert_cmpstr (back, ==, hex);
  g_assert_cmpstr (from_upper, ==, hex);
  g_assert_null (bad_short);
  g_assert_null (bad_char);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *path = g_strdup_printf ("/af/lan/status/corpus/%s", expected[i].file);
      g_autofree char *delta_path = g_strdup_printf ("/af/lan/status/deltas/%s",
                                                     expected[i].file);

      g_test_add_data_func (path, &expected[i], test_corpus);
      g_test_add_data_func (delta_path, &expected[i], test_deltas);
    }
  g_test_add_func ("/af/lan/status/empty-tray", test_corpus_empty_tray);
  g_test_add_func ("/af/lan/status/notify", test_notify);
  g_test_add_func ("/af/lan/status/wrong-types", test_wrong_types);
  g_test_add_func ("/af/lan/status/not-json", test_not_json);
  g_test_add_func ("/af/lan/status/hms", test_hms);
  g_test_add_func ("/af/lan/status/state-strings", test_state_strings);
  g_test_add_func ("/af/lan/status/to-json", test_to_json);
  g_test_add_func ("/af/lan/print-options/ams-map", test_print_options);
  g_test_add_func ("/af/lan/status/error-codes", test_error_codes);
  g_test_add_func ("/af/lan/status/needs-attention", test_needs_attention);
  g_test_add_func ("/af/lan/status/task-ids", test_task_ids);
  g_test_add_func ("/af/lan/status/dual-external", test_dual_external);
  g_test_add_func ("/af/lan/print-options/cali-modes", test_cali_modes);
  g_test_add_func ("/af/lan/print-options/job-name", test_job_name);
  g_test_add_func ("/af/lan/tls/fingerprint-text", test_fingerprint_text);

  return g_test_run ();
}
