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

/* 0-based AMS unit (255 for the external spool) and slot within it. */
guint        af_ams_tray_get_ams_id   (AfAmsTray *self);
guint        af_ams_tray_get_slot_id  (AfAmsTray *self);
/* ams_id * 4 + slot_id, the value ams_mapping carries; -1 for the external spool. */
gint         af_ams_tray_get_global_index (AfAmsTray *self);
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
 * (double, mm, NAN unknown), storage (int, an AfStorageState).
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
/* AfAmsTray items, AMS units in order then the external spool last if present. */
GListModel         *af_printer_status_get_trays      (AfPrinterStatus *self);
/* A stable JSON rendering for `status --json` (docs/lan-protocol.md). */
char               *af_printer_status_to_json        (AfPrinterStatus *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
