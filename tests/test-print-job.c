/* test-print-job.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-print-job"

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "af-core.h"
#include "af-test-printer.h"

/*
 * End to end against the virtual printer (docs/virtual-printer.md): every
 * corpus G-code and archive is packed when needed, uploaded over its FTPS,
 * started over its MQTT, and printed to FINISH on an accelerated clock. The
 * project_file it received is read back from its requests file and checked
 * field by field against the options chosen here.
 */

#define SPEED "20000"
#define WAIT_SECONDS 60

typedef struct
{
  AfTestPrinter *vp;
  AfPrinter     *printer;
  AfMqttSession *session;
  AfTransport   *transport;
} Fixture;

static const char *
corpus_dir (void)
{
  const char *dir = g_getenv ("AF_CORPUS_DIR");

  return dir != NULL ? dir : AF_CORPUS_DIR;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  const char *args[] = { "--speed", SPEED, NULL };
  g_autoptr(GError) error = NULL;
  AfTestPrinter *vp;

  vp = af_test_printer_start (args, &error);
  if (vp == NULL)
    {
      g_test_skip (error->message);
      return;
    }
  fixture->vp = vp;
  fixture->printer = af_printer_new (af_test_printer_get_serial (vp));
  af_printer_set_host (fixture->printer, af_test_printer_get_host (vp));
  af_printer_set_mqtt_port (fixture->printer, af_test_printer_get_mqtt_port (vp));
  af_printer_set_ftps_port (fixture->printer, af_test_printer_get_ftps_port (vp));
  af_printer_set_fingerprint (fixture->printer, af_test_printer_get_fingerprint (vp));
  fixture->session = af_mqtt_session_new (fixture->printer, af_test_printer_get_access_code (vp));
  fixture->transport = af_lan_transport_new (fixture->session,
                                             af_test_printer_get_access_code (vp));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->session != NULL)
    af_mqtt_session_disconnect (fixture->session);
  g_clear_object (&fixture->transport);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->printer);
  g_clear_pointer (&fixture->vp, af_test_printer_free);
}

#define SKIP_WITHOUT_PRINTER(fixture)                                           \
  G_STMT_START {                                                                \
    if ((fixture)->vp == NULL)                                                  \
      return;                                                                   \
  } G_STMT_END

/* --- running ------------------------------------------------------------ */

typedef struct
{
  gboolean         done;
  gboolean         ok;
  GError          *error;
  GPtrArray       *phases;         /* of GINT_TO_POINTER (phase) as notified */
  GCancellable    *cancellable;
  gboolean         cancel_at_half;
  gboolean         cancel_packing;
  gboolean         cancelled;
  guint64          max_sent;
  guint64          total;
} Run;

static void
phase_cb (AfPrintJob *job,
          GParamSpec *pspec,
          Run        *run)
{
  g_ptr_array_add (run->phases, GINT_TO_POINTER (af_print_job_get_phase (job)));
  if (run->cancel_packing && af_print_job_get_phase (job) == AF_PRINT_JOB_PHASE_PACKING)
    {
      run->cancelled = TRUE;
      g_cancellable_cancel (run->cancellable);
    }
}

static void
bytes_cb (AfPrintJob *job,
          GParamSpec *pspec,
          Run        *run)
{
  guint64 sent;
  guint64 total;

  g_object_get (job, "bytes-sent", &sent, "bytes-total", &total, NULL);
  g_assert_cmpuint (sent, >=, run->max_sent);
  run->max_sent = sent;
  run->total = total;
  if (run->cancel_at_half && !run->cancelled && total > 0 && sent > 0 && sent < total)
    {
      run->cancelled = TRUE;
      g_cancellable_cancel (run->cancellable);
    }
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Run *run = user_data;

  run->ok = af_print_job_run_finish (AF_PRINT_JOB (source), result, &run->error);
  run->done = TRUE;
}

static void
wait_for (gboolean *flag)
{
  gint64 end = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, TRUE);
    }
}

static AfPrintJob *
run_job (Fixture              *fixture,
         const char           *path,
         const AfPrintOptions *options,
         Run                  *run)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  AfPrintJob *job;

  memset (run, 0, sizeof *run);
  run->phases = g_ptr_array_new ();
  run->cancellable = g_cancellable_new ();
  job = af_print_job_new (fixture->transport, file, options);
  g_assert_cmpint (af_print_job_get_phase (job), ==, AF_PRINT_JOB_PHASE_PENDING);
  g_signal_connect (job, "notify::phase", G_CALLBACK (phase_cb), run);
  g_signal_connect (job, "notify::bytes-sent", G_CALLBACK (bytes_cb), run);
  af_print_job_run_async (job, run->cancellable, run_done_cb, run);
  wait_for (&run->done);
  return job;
}

static void
run_clear (Run *run)
{
  g_clear_error (&run->error);
  g_clear_pointer (&run->phases, g_ptr_array_unref);
  g_clear_object (&run->cancellable);
}

static void
assert_phases (Run                   *run,
               const AfPrintJobPhase *expected,
               guint                  n_expected)
{
  g_assert_cmpuint (run->phases->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpint (GPOINTER_TO_INT (g_ptr_array_index (run->phases, i)), ==, expected[i]);
}

/* The last project_file the printer received. */
static JsonObject *
last_project_file (Fixture *fixture)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *found = NULL;

  if (!g_file_get_contents (af_test_printer_get_requests_file (fixture->vp), &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (lines[i], NULL);
      JsonObject *print;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)
          || !json_object_has_member (json_node_get_object (node), "print"))
        continue;
      print = json_object_get_object_member (json_node_get_object (node), "print");
      if (print == NULL
          || g_strcmp0 (json_object_get_string_member_with_default (print, "command", ""),
                        "project_file") != 0)
        continue;
      g_clear_pointer (&found, json_object_unref);
      found = json_object_ref (print);
    }
  return found;
}

static guint
count_project_files (Fixture *fixture)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (af_test_printer_get_requests_file (fixture->vp), &text, NULL, NULL))
    return 0;
  {
    guint n = 0;

    for (const char *p = strstr (text, "\"project_file\""); p != NULL;
         p = strstr (p + 1, "\"project_file\""))
      n++;
    return n;
  }
}

/* options as the job sent them, after the model's rules (af_print_options_apply_model()). */
static void
assert_project_file (JsonObject           *print,
                     const char           *remote_name,
                     const AfPrintOptions *chosen,
                     const char           *model)
{
  g_autoptr(AfPrintOptions) options = af_print_options_copy (chosen);
  g_autofree char *param = g_strdup_printf ("Metadata/plate_%u.gcode", options->plate);
  g_autofree char *url = g_strdup_printf ("ftp://%s", remote_name);
  JsonArray *mapping;

  af_print_options_apply_model (options, model);
  g_assert_nonnull (print);
  g_assert_cmpstr (json_object_get_string_member (print, "param"), ==, param);
  g_assert_cmpstr (json_object_get_string_member (print, "file"), ==, remote_name);
  g_assert_cmpstr (json_object_get_string_member (print, "url"), ==, url);
  g_assert_cmpstr (json_object_get_string_member (print, "subtask_name"), ==, options->job_name);
  g_assert_cmpstr (json_object_get_string_member (print, "bed_type"), ==, options->bed_type);
  g_assert_cmpint (json_object_get_boolean_member (print, "bed_leveling"), ==,
                   options->bed_leveling == AF_CALI_MODE_ON);
  g_assert_cmpint (json_object_get_int_member (print, "auto_bed_leveling"), ==,
                   options->bed_leveling);
  g_assert_cmpint (json_object_get_boolean_member (print, "flow_cali"), ==,
                   options->flow_cali == AF_CALI_MODE_ON);
  g_assert_cmpint (json_object_get_int_member (print, "extrude_cali_flag"), ==,
                   options->flow_cali);
  g_assert_cmpint (json_object_get_boolean_member (print, "vibration_cali"), ==,
                   options->vibration_cali);
  g_assert_cmpint (json_object_get_boolean_member (print, "layer_inspect"), ==,
                   options->layer_inspect);
  g_assert_cmpint (json_object_get_boolean_member (print, "timelapse"), ==, options->timelapse);
  g_assert_cmpint (json_object_get_boolean_member (print, "use_ams"), ==, options->use_ams);

  mapping = json_object_get_array_member (print, "ams_mapping");
  g_assert_nonnull (mapping);
  g_assert_cmpuint (json_array_get_length (mapping), ==, options->ams_mapping->len);
  for (guint i = 0; i < options->ams_mapping->len; i++)
    g_assert_cmpint (json_array_get_int_element (mapping, i), ==,
                     g_array_index (options->ams_mapping, gint, i));
}

static AfPrintOptions *
make_options (guint       n,
              const char *job_name)
{
  AfPrintOptions *options = af_print_options_new ();
  gint tray = n % 3;

  options->plate = 1;
  options->job_name = g_strdup (job_name);
  g_free (options->bed_type);
  options->bed_type = g_strdup (n % 2 ? "textured_plate" : "cool_plate");
  options->bed_leveling = n % 2 == 0;
  options->flow_cali = n % 3 == 0;
  options->vibration_cali = FALSE;
  options->layer_inspect = n % 2 == 1;
  options->timelapse = n % 4 == 1;
  options->use_ams = TRUE;
  if (options->ams_mapping == NULL)
    options->ams_mapping = g_array_new (FALSE, FALSE, sizeof (gint));
  g_array_set_size (options->ams_mapping, 0);
  g_array_append_val (options->ams_mapping, tray);
  return options;
}

static guint
count_temp_dirs (void)
{
  g_autoptr(GDir) dir = g_dir_open (g_get_tmp_dir (), 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_prefix (name, "af-print-job-");
  return n;
}

static gboolean
stored_exists (Fixture    *fixture,
               const char *name)
{
  g_autofree char *path = g_build_filename (af_test_printer_get_storage_dir (fixture->vp), name,
                                            NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Wait;

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = af_print_job_wait_finish (AF_PRINT_JOB (source), result, &wait->error);
  wait->done = TRUE;
}

/* --- tests -------------------------------------------------------------- */

static void
test_corpus (Fixture       *fixture,
             gconstpointer  data)
{
  const char *files[] = {
    "gcode/bambustudio-01.09-cli-plate_1.gcode",
    "gcode/bambustudio-01.10-generic.gcode",
    "gcode/cura-5.9.1.gcode",
    "gcode/cura-5.x-thumbnail.gcode",
    "gcode/orcaslicer-2.3.0-k1max.gcode",
    "gcode/orcaslicer-2.3.0-thumbnail-block.gcode",
    "gcode/prusaslicer-2.8.1-mini-cube.bgcode",
    "gcode/prusaslicer-2.8.1-mini-cube.gcode",
    "gcode/prusaslicer-2.9.3-thumbnails.gcode",
    "3mf/bambustudio-01.09-cli-2-rings.gcode.3mf",
    "3mf/bambustudio-02.07-p1s.gcode.3mf",
  };
  const AfPrintJobPhase expected[] = {
    AF_PRINT_JOB_PHASE_PACKING, AF_PRINT_JOB_PHASE_UPLOADING,
    AF_PRINT_JOB_PHASE_STARTING, AF_PRINT_JOB_PHASE_PRINTING,
  };
  SKIP_WITHOUT_PRINTER (fixture);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (corpus_dir (), files[i], NULL);
      g_autofree char *job_name = g_strdup_printf ("corpus job %u", i);
      g_autoptr(AfPrintOptions) options = make_options (i, job_name);
      g_autoptr(AfPrintJob) job = NULL;
      g_autofree char *stored = NULL;
      g_autoptr(JsonObject) print = NULL;
      GStatBuf st;
      Run run;

      g_test_message ("sending %s", files[i]);
      job = run_job (fixture, path, options, &run);
      g_assert_no_error (run.error);
      g_assert_true (run.ok);
      assert_phases (&run, expected, G_N_ELEMENTS (expected));
      g_assert_cmpint (af_print_job_get_phase (job), ==, AF_PRINT_JOB_PHASE_PRINTING);
      g_assert_null (af_print_job_get_error (job));
      g_assert_cmpuint (run.max_sent, ==, run.total);

      /* What the printer stored is what was sent. */
      stored = g_build_filename (af_test_printer_get_storage_dir (fixture->vp),
                                 af_print_job_get_remote_name (job), NULL);
      g_assert_cmpint (g_stat (stored, &st), ==, 0);
      g_assert_cmpuint (st.st_size, ==, run.total);
      if (g_str_has_prefix (files[i], "3mf/"))
        {
          g_autofree char *cmd = g_strdup_printf ("cmp %s %s", path, stored);

          g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
        }

      /* The job follows the print to FINISH; every other file is kept. */
      {
        Wait wait = { FALSE, FALSE, NULL };
        gboolean keep = i % 2 == 1;

        af_print_job_set_delete_after_print (job, !keep);
        af_print_job_wait_async (job, NULL, wait_done_cb, &wait);
        wait_for (&wait.done);
        g_assert_no_error (wait.error);
        g_assert_true (wait.ok);
        g_assert_cmpint (af_printer_status_get_state (af_printer_get_status (fixture->printer)),
                         ==, AF_PRINT_STATE_FINISH);
        g_assert_cmpint (stored_exists (fixture, af_print_job_get_remote_name (job)), ==, keep);
      }
      print = last_project_file (fixture);
      assert_project_file (print, af_print_job_get_remote_name (job), options,
                           af_printer_get_model (fixture->printer));
      run_clear (&run);
      g_assert_finalize_object (g_steal_pointer (&job));
    }

  /* Every packed temporary archive is gone. */
  g_assert_cmpuint (count_temp_dirs (), ==, 0);
}

typedef struct
{
  GPtrArray *texts;
  double     last_fraction;
  int        last_step;
  guint      job_notifies;
  guint      relay_notifies;
} RelaySeen;

static void
relay_text_cb (AfProgressRelay *relay,
               GParamSpec      *pspec,
               RelaySeen       *seen)
{
  seen->relay_notifies++;
  g_ptr_array_add (seen->texts, g_strdup (af_progress_relay_get_text (relay)));
}

static void
relay_progress_cb (AfProgressRelay *relay,
                   GParamSpec      *pspec,
                   RelaySeen       *seen)
{
  /* The bar and a log's steps only ever move forward. */
  g_assert_cmpfloat (af_progress_relay_get_fraction (relay), >=, seen->last_fraction);
  g_assert_cmpint (af_progress_relay_get_step (relay), >=, seen->last_step);
  seen->last_fraction = af_progress_relay_get_fraction (relay);
  seen->last_step = af_progress_relay_get_step (relay);
}

static void
relay_job_notify_cb (AfPrintJob *job,
                     GParamSpec *pspec,
                     RelaySeen  *seen)
{
  seen->job_notifies++;
}

/* Both faces show a send through the relay: one text per phase in order,
 * a bar that only moves forward, fewer updates than the job notifies.
 */
static void
test_progress_relay (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "gcode",
                                            "prusaslicer-2.8.1-mini-cube.gcode", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(AfPrintOptions) options = make_options (0, "relay job");
  g_autoptr(AfPrintJob) job = NULL;
  g_autoptr(AfProgressRelay) relay = NULL;
  RelaySeen seen = { g_ptr_array_new_with_free_func (g_free), 0, -1, 0, 0 };
  const char *last;
  Run run = { 0 };

  SKIP_WITHOUT_PRINTER (fixture);

  job = af_print_job_new (fixture->transport, file, options);
  relay = af_progress_relay_new (job);
  g_assert_true (g_str_has_prefix (af_progress_relay_get_text (relay), "Packing… 0 %"));
  g_assert_cmpfloat (af_progress_relay_get_fraction (relay), ==, 0.0);
  g_signal_connect (relay, "notify::text", G_CALLBACK (relay_text_cb), &seen);
  g_signal_connect (relay, "notify::fraction", G_CALLBACK (relay_progress_cb), &seen);
  g_signal_connect (relay, "notify::step", G_CALLBACK (relay_progress_cb), &seen);
  g_signal_connect (job, "notify", G_CALLBACK (relay_job_notify_cb), &seen);
  af_print_job_run_async (job, NULL, run_done_cb, &run);
  wait_for (&run.done);
  g_assert_no_error (run.error);

  g_assert_cmpuint (seen.texts->len, >=, 2);
  for (guint i = 0; i < seen.texts->len; i++)
    g_test_message ("relay text %u: %s", i, (char *)g_ptr_array_index (seen.texts, i));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (seen.texts, 0), "Packing… ")
                 || g_str_has_prefix (g_ptr_array_index (seen.texts, 0), "Uploading…"));
  last = g_ptr_array_index (seen.texts, seen.texts->len - 1);
  g_assert_cmpstr (last, ==, "Starting the print…");
  g_assert_true (g_str_has_prefix (g_ptr_array_index (seen.texts, seen.texts->len - 2),
                                   "Uploading…"));
  /* The text stays once the printer took the job; the bar is full. */
  g_assert_cmpint (af_print_job_get_phase (job), ==, AF_PRINT_JOB_PHASE_PRINTING);
  g_assert_cmpstr (af_progress_relay_get_text (relay), ==, "Starting the print…");
  g_assert_cmpfloat (af_progress_relay_get_fraction (relay), ==, 1.0);
  g_assert_cmpuint (seen.relay_notifies, <, seen.job_notifies);

  g_signal_handlers_disconnect_by_data (job, &seen);
  g_assert_finalize_object (g_steal_pointer (&relay));
  g_clear_error (&run.error);
  g_ptr_array_unref (seen.texts);
}

static void
expect_print_failed (Fixture              *fixture,
                     const char           *path,
                     const AfPrintOptions *options,
                     const char           *hms)
{
  g_autoptr(AfPrintJob) job = NULL;
  Run run;

  job = run_job (fixture, path, options, &run);
  g_assert_error (run.error, AF_PRINT_ERROR, AF_PRINT_ERROR_PRINT_FAILED);
  g_assert_cmpint (af_print_job_get_phase (job), ==, AF_PRINT_JOB_PHASE_FAILED);
  g_assert_error (af_print_job_get_error (job), AF_PRINT_ERROR, AF_PRINT_ERROR_PRINT_FAILED);
  g_assert_nonnull (strstr (run.error->message, hms));
  /* The file that will not print was deleted before the failure was reported. */
  g_assert_false (stored_exists (fixture, af_print_job_get_remote_name (job)));
  run_clear (&run);
}

static void
test_missing_plate (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "3mf",
                                            "bambustudio-02.07-p1s.gcode.3mf", NULL);
  g_autoptr(AfPrintOptions) options = make_options (1, "no such plate");

  SKIP_WITHOUT_PRINTER (fixture);
  options->plate = 2;
  expect_print_failed (fixture, path, options,
                       "0500-C011 (https://wiki.bambulab.com/en/hms/home) 0500-0300-0001-0011 "
                       "(https://");
}

static void
test_md5_mismatch (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *source = g_build_filename (corpus_dir (), "3mf",
                                              "bambustudio-01.09-cli-2-rings.gcode.3mf", NULL);
  g_autofree char *dir = g_dir_make_tmp ("af-test-job-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bad-md5.gcode.3mf", NULL);
  g_autofree char *script = NULL;
  g_autoptr(AfPrintOptions) options = make_options (2, "bad md5");
  const char *argv[] = { "/usr/bin/python3", "-c", NULL, source, path, NULL };
  int status = 0;

  SKIP_WITHOUT_PRINTER (fixture);

  /* The same archive with a wrong plate_1.gcode.md5. */
  script = g_strdup ("import sys, zipfile\n"
                     "src = zipfile.ZipFile(sys.argv[1])\n"
                     "with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as out:\n"
                     "    for info in src.infolist():\n"
                     "        data = src.read(info)\n"
                     "        if info.filename == 'Metadata/plate_1.gcode.md5':\n"
                     "            data = b'0' * 32\n"
                     "        out.writestr(info, data)\n");
  argv[2] = script;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, NULL, NULL,
                               &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  expect_print_failed (fixture, path, options,
                       "0500-0300-0001-0012 (https://wiki.bambulab.com/en/x1/troubleshooting/"
                       "hmscode/0500_0300_0001_0012)");
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_cancel_upload (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("af-test-job-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "huge.gcode.3mf", NULL);
  g_autoptr(AfPrintOptions) options = make_options (0, "cancelled");
  g_autoptr(AfPrintJob) job = NULL;
  g_autofree char *stored = NULL;
  guint sent_before;
  FILE *out;
  Run run;

  SKIP_WITHOUT_PRINTER (fixture);

  /* A zip signature then 512 MB of holes: sent as an archive, costs no disk. */
  out = fopen (path, "wb");
  g_assert_nonnull (out);
  g_assert_cmpint (fwrite ("PK\003\004", 1, 4, out), ==, 4);
  g_assert_cmpint (ftruncate (fileno (out), 512 * 1024 * 1024), ==, 0);
  g_assert_cmpint (fclose (out), ==, 0);

  sent_before = count_project_files (fixture);
  memset (&run, 0, sizeof run);
  {
    g_autoptr(GFile) file = g_file_new_for_path (path);

    run.phases = g_ptr_array_new ();
    run.cancellable = g_cancellable_new ();
    run.cancel_at_half = TRUE;
    job = af_print_job_new (fixture->transport, file, options);
    g_signal_connect (job, "notify::phase", G_CALLBACK (phase_cb), &run);
    g_signal_connect (job, "notify::bytes-sent", G_CALLBACK (bytes_cb), &run);
    af_print_job_run_async (job, run.cancellable, run_done_cb, &run);
    wait_for (&run.done);
  }

  g_assert_true (run.cancelled);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (af_print_job_get_phase (job), ==, AF_PRINT_JOB_PHASE_CANCELLED);
  g_assert_null (af_print_job_get_error (job));
  stored = g_build_filename (af_test_printer_get_storage_dir (fixture->vp),
                             af_print_job_get_remote_name (job), NULL);
  g_assert_false (g_file_test (stored, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_project_files (fixture), ==, sent_before);
  /* The source is the user's file: never removed. */
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  run_clear (&run);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_cancel_packing (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "gcode",
                                            "bambustudio-01.10-generic.gcode", NULL);
  g_autoptr(AfPrintOptions) options = make_options (0, "cancelled while packing");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(AfPrintJob) job = NULL;
  const AfPrintJobPhase expected[] = {
    AF_PRINT_JOB_PHASE_PACKING, AF_PRINT_JOB_PHASE_CANCELLED,
  };
  guint sent_before;
  Run run = { 0 };

  SKIP_WITHOUT_PRINTER (fixture);
  sent_before = count_project_files (fixture);
  run.phases = g_ptr_array_new ();
  run.cancellable = g_cancellable_new ();
  run.cancel_packing = TRUE;
  job = af_print_job_new (fixture->transport, file, options);
  g_signal_connect (job, "notify::phase", G_CALLBACK (phase_cb), &run);
  af_print_job_run_async (job, run.cancellable, run_done_cb, &run);
  wait_for (&run.done);

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_phases (&run, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (count_temp_dirs (), ==, 0);
  g_assert_cmpuint (count_project_files (fixture), ==, sent_before);
  run_clear (&run);
}

static void
test_wrong_code (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "gcode",
                                            "prusaslicer-2.8.1-mini-cube.gcode", NULL);
  g_autoptr(AfPrintOptions) options = make_options (0, "wrong code");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(AfTransport) transport = NULL;
  g_autoptr(AfPrintJob) job = NULL;
  Run run = { 0 };

  SKIP_WITHOUT_PRINTER (fixture);
  run.phases = g_ptr_array_new ();
  transport = af_lan_transport_new (fixture->session, "00000000");
  job = af_print_job_new (transport, file, options);
  af_print_job_run_async (job, NULL, run_done_cb, &run);
  wait_for (&run.done);
  g_assert_error (run.error, AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED);
  g_assert_cmpint (af_print_job_get_phase (job), ==, AF_PRINT_JOB_PHASE_FAILED);
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  char private_tmp[] = "/tmp/af-test-print-job-XXXXXX";
  g_autofree char *cleanup = NULL;
  int status;

  /* A private TMPDIR, so the packed temporary archives counted are ours. */
  g_assert_nonnull (g_mkdtemp (private_tmp));
  g_setenv ("TMPDIR", private_tmp, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/af/print-job/corpus", Fixture, NULL, fixture_setup, test_corpus,
              fixture_teardown);
  g_test_add ("/af/print-job/progress-relay", Fixture, NULL, fixture_setup, test_progress_relay,
              fixture_teardown);
  g_test_add ("/af/print-job/missing-plate", Fixture, NULL, fixture_setup, test_missing_plate,
              fixture_teardown);
  g_test_add ("/af/print-job/md5-mismatch", Fixture, NULL, fixture_setup, test_md5_mismatch,
              fixture_teardown);
  g_test_add ("/af/print-job/cancel-upload", Fixture, NULL, fixture_setup, test_cancel_upload,
              fixture_teardown);
  g_test_add ("/af/print-job/cancel-packing", Fixture, NULL, fixture_setup, test_cancel_packing,
              fixture_teardown);
  g_test_add ("/af/print-job/wrong-code", Fixture, NULL, fixture_setup, test_wrong_code,
              fixture_teardown);

  status = g_test_run ();
  cleanup = g_strdup_printf ("rm -rf %s", private_tmp);
  g_spawn_command_line_sync (cleanup, NULL, NULL, NULL, NULL);
  return status;
}
