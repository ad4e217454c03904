/* af-printer-status.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  AF_PRINT_STATE_UNKNOWN,
  AF_PRINT_STATE_IDLE,
  AF_PRINT_STATE_PREPARE,
  AF_PRINT_STATE_SLICING,
  AF_PRINT_STATE_RUNNING,
  AF_PRINT_STATE_PAUSE,
  AF_PRINT_STATE_FINISH,
  AF_PRINT_STATE_FAILED,
} AfPrintState;

#define AF_TYPE_PRINT_STATE (af_print_state_get_type ())
GType        af_print_state_get_type  (void);
/* "IDLE", "RUNNING", … as the printer spells gcode_state; UNKNOWN for others. */
AfPrintState af_print_state_from_string (const char *gcode_state);
const char  *af_print_state_to_string   (AfPrintState state);
/* Whether the printer accepts a new project_file: IDLE, FINISH or FAILED. */
gboolean     af_print_state_is_ready    (AfPrintState state);

/* The storage print files go to: a microSD card, or a USB stick on the P2S
 * and H2 series.
 */
typedef enum
{
  AF_STORAGE_UNKNOWN,
  AF_STORAGE_NONE,
  AF_STORAGE_NORMAL,
  AF_STORAGE_ABNORMAL,
  AF_STORAGE_READ_ONLY,
} AfStorageState;

/* One AMS tray or the external spool. */
#define AF_TYPE_AMS_TRAY (af_ams_tray_get_type ())

G_DECLARE_FINAL_TYPE (AfAmsTray, af_ams_tray, AF, AMS_TRAY, GObject)

/* 0-based AMS unit (255 for the external spool, 254 for the second nozzle's
 * external spool on a dual-nozzle printer) and slot within it.
 */
guint        af_ams_tray_get_ams_id   (AfAmsTray *self);
guint        af_ams_tray_get_slot_id  (AfAmsTray *self);
/* ams_id * 4 + slot_id, the value ams_mapping carries; -1 for the external spool. */
gint         af_ams_tray_get_global_index (AfAmsTray *self);
/* The value AfPrintOptions.ams_mapping holds for this tray: the global index
 * for an AMS tray, AF_AMS_MAPPING_EXTERNAL or AF_AMS_MAPPING_EXTERNAL_DEPUTY.
 */
gint         af_ams_tray_get_mapping_id (AfAmsTray *self);
gboolean     af_ams_tray_is_external  (AfAmsTray *self);
/* NULL when the tray is empty. */
const char  *af_ams_tray_get_material (AfAmsTray *self);
/* "#RRGGBB" upper case, or NULL. */
const char  *af_ams_tray_get_color    (AfAmsTray *self);
/* Remaining filament in percent, or -1 when unknown. */
gint         af_ams_tray_get_remain   (AfAmsTray *self);

/* The live state of one printer, merged from full reports and deltas.
 * Every property notifies only on a real change, on the main context of the
 * caller of af_printer_status_merge().
 *
 * Properties: state (AfPrintState), percent (int, -1 unknown),
 * remaining-minutes (int, -1), layer (int, -1), total-layers (int, -1),
 * nozzle-temperature, nozzle-target, bed-temperature, bed-target,
 * chamber-temperature (double, NAN unknown), job-name (string),
 * gcode-file (string), print-error (int, 0 none), hms (GStrv of
 * "HMS_AAAA_AAAA_CCCC_CCCC"), developer-mode (boolean: FALSE when the printer
 * says its signed-command mode is on), stage (int, -1), nozzle-diameter
 * (double, mm, NAN unknown), storage (int, an AfStorageState), task-id and
 * subtask-id (string, as the printer echoes them from project_file),
 * needs-attention (boolean, see af_printer_status_get_needs_attention()).
 */
#define AF_TYPE_PRINTER_STATUS (af_printer_status_get_type ())

G_DECLARE_FINAL_TYPE (AfPrinterStatus, af_printer_status, AF, PRINTER_STATUS, GObject)

AfPrinterStatus    *af_printer_status_new            (void) G_GNUC_WARN_UNUSED_RESULT;
/* Merges one MQTT report payload (the whole JSON message). Unknown fields
 * are ignored; fields of the wrong type are ignored, never fatal. Returns
 * FALSE with AF_LAN_ERROR_PROTOCOL only when the payload is not JSON.
 */
gboolean            af_printer_status_merge          (AfPrinterStatus *self,
                                                      const char      *payload,
                                                      gssize           length,
                                                      GError         **error);
/* Whether a "print" object is a full report rather than a delta: a
 * push_status (or a report without "command") with "msg": 0 or with no
 * "msg" at all; "msg": 1 (or anything else) is a delta. The session and
 * the merge both use this one rule.
 */
gboolean            af_printer_status_is_full_report (JsonObject      *print);
/* The same, for an already-parsed "print" object. */
void                af_printer_status_merge_print    (AfPrinterStatus *self,
                                                      JsonObject      *print);
AfPrintState        af_printer_status_get_state      (AfPrinterStatus *self);
gint                af_printer_status_get_percent    (AfPrinterStatus *self);
gint                af_printer_status_get_remaining_minutes (AfPrinterStatus *self);
gint                af_printer_status_get_layer      (AfPrinterStatus *self);
gint                af_printer_status_get_total_layers (AfPrinterStatus *self);
double              af_printer_status_get_nozzle_temperature (AfPrinterStatus *self);
double              af_printer_status_get_nozzle_target (AfPrinterStatus *self);
double              af_printer_status_get_bed_temperature (AfPrinterStatus *self);
double              af_printer_status_get_bed_target (AfPrinterStatus *self);
double              af_printer_status_get_chamber_temperature (AfPrinterStatus *self);
const char         *af_printer_status_get_job_name   (AfPrinterStatus *self);
const char         *af_printer_status_get_gcode_file (AfPrinterStatus *self);
gint                af_printer_status_get_print_error (AfPrinterStatus *self);
const char * const *af_printer_status_get_hms        (AfPrinterStatus *self);
gboolean            af_printer_status_get_developer_mode (AfPrinterStatus *self);
gint                af_printer_status_get_stage      (AfPrinterStatus *self);
double              af_printer_status_get_nozzle_diameter (AfPrinterStatus *self);
AfStorageState      af_printer_status_get_storage    (AfPrinterStatus *self);
const char         *af_printer_status_get_task_id    (AfPrinterStatus *self);
const char         *af_printer_status_get_subtask_id (AfPrinterStatus *self);
/* The printer stopped at a problem and waits for someone at it: PAUSE with a
 * print_error whose low 16 bits are 0x4000 or more (a fault, not a notice),
 * e.g. a start that pauses on filament runout. Not "printing".
 */
gboolean            af_printer_status_get_needs_attention (AfPrinterStatus *self);
/* The current print_error and HMS entries in one translated line, each as
 * "CODE: description (URL)" or "CODE (URL)", e.g. "0700-8011: The AMS ran out
 * of filament; load new filament. (https://…)"; NULL without any.
 */
char               *af_printer_status_dup_problem    (AfPrinterStatus *self)
                                                      G_GNUC_WARN_UNUSED_RESULT;
/* AfAmsTray items, AMS units in order then the external spool last if present. */
GListModel         *af_printer_status_get_trays      (AfPrinterStatus *self);
/* A stable JSON rendering for `status --json` (docs/lan-protocol.md). */
char               *af_printer_status_to_json        (AfPrinterStatus *self) G_GNUC_WARN_UNUSED_RESULT;

/* Error codes as the printer's screen and the vendor's help pages show them.
 * print_error is a 32-bit value shown as two 16-bit hex halves
 * (0x05004004 → "0500-4004"); an HMS entry ("HMS_0300_0100_0001_0007", as
 * the status keeps it) as "0300-0100-0001-0007". Descriptions are ours, for
 * the common codes only (NULL otherwise); the URL is the vendor's public
 * page for the code (HMS) or its index of codes (print_error, which has no
 * page per code). All return NULL for 0 or a malformed entry.
 */
char       *af_print_error_format   (guint32     code) G_GNUC_WARN_UNUSED_RESULT;
const char *af_print_error_describe (guint32     code);
char       *af_print_error_dup_url  (guint32     code) G_GNUC_WARN_UNUSED_RESULT;
char       *af_hms_format           (const char *hms) G_GNUC_WARN_UNUSED_RESULT;
const char *af_hms_describe         (const char *hms);
char       *af_hms_dup_url          (const char *hms) G_GNUC_WARN_UNUSED_RESULT;
/* Whether print_error names a fault that stops the printer (low half ≥ 0x4000). */
gboolean    af_print_error_is_fault (guint32     code);

G_END_DECLS
