/* af-progress-relay.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-print-job.h"

G_BEGIN_DECLS

#define AF_TYPE_PROGRESS_RELAY (af_progress_relay_get_type ())

G_DECLARE_FINAL_TYPE (AfProgressRelay, af_progress_relay, AF, PROGRESS_RELAY, GObject)

/* How a send goes, as both faces show it: the Send panel binds its bar and
 * label to "fraction" and "text", the command line writes "text" to stderr
 * (a line per change of "step" when it is not a terminal). The job notifies
 * a handful of properties for every packing or upload report; the relay
 * folds them into one update at most every AF_PROGRESS_RELAY_INTERVAL_MS,
 * and at once when the phase changes, so no phase is skipped.
 *
 * Properties (read-only):
 *  - fraction: the whole send, 0 to 1: packing the first tenth, the upload
 *    up to 0.95, starting the rest;
 *  - text: "Packing… 42 %", "Uploading… 42 % (1.2 MB of 3.0 MB, 800 kB/s,
 *    2 s left)", "Starting the print…", translated; it keeps its last value
 *    once the job has started or ended;
 *  - step: changes with the phase and with each quarter of the upload.
 */
#define AF_PROGRESS_RELAY_INTERVAL_MS 100

AfProgressRelay *af_progress_relay_new          (AfPrintJob      *job) G_GNUC_WARN_UNUSED_RESULT;
AfPrintJob      *af_progress_relay_get_job      (AfProgressRelay *self);
double           af_progress_relay_get_fraction (AfProgressRelay *self);
const char      *af_progress_relay_get_text     (AfProgressRelay *self);
int              af_progress_relay_get_step     (AfProgressRelay *self);

G_END_DECLS
