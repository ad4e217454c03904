/* af-test-printer.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-test-printer"

#include "config.h"

#include <signal.h>

#include <json-glib/json-glib.h>

#include "af-test-printer.h"

#define READY_TIMEOUT_SECONDS   30
#define CONTROL_TIMEOUT_SECONDS 15
#define STOP_TIMEOUT_SECONDS    20

struct _AfTestPrinter
{
  GSubprocess      *process;
  GOutputStream    *stdin_pipe;
  GDataInputStream *stdout_lines;
  GThread          *reader;

  /* Guarded by lock: what the reader thread has seen so far. */
  GMutex            lock;
  GCond             cond;
  JsonObject       *ready;
  GPtrArray        *answers;   /* JsonObject control events not yet claimed */
  gboolean          eof;

  char             *serial;
  char             *access_code;
  char             *host;
  char             *ca_file;
  char             *fingerprint;
  char             *storage_dir;
  char             *requests_file;
  guint             mqtt_port;
  guint             ftps_port;
  gboolean          stopped;
};

/* The printer writes a JSON line per event; they must be drained all the time
 * or its stdout pipe fills up and the firmware blocks, so a thread reads them.
 */
static gpointer
reader_thread (gpointer data)
{
  AfTestPrinter *self = data;
  char *line;

  while ((line = g_data_input_stream_read_line_utf8 (self->stdout_lines, NULL, NULL, NULL)))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *owned = line;
      JsonNode *root;

      if (!json_parser_load_from_data (parser, owned, -1, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (!JSON_NODE_HOLDS_OBJECT (root))
        continue;

      g_mutex_lock (&self->lock);
      if (self->ready == NULL)
        self->ready = json_object_ref (json_node_get_object (root));
      else if (g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root),
                                                                      "event", ""),
                          "control") == 0)
        g_ptr_array_add (self->answers, json_object_ref (json_node_get_object (root)));
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
    }

  g_mutex_lock (&self->lock);
  self->eof = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return NULL;
}

static void
take_ready_fields (AfTestPrinter *self)
{
  JsonObject *o = self->ready;

  self->serial = g_strdup (json_object_get_string_member (o, "serial"));
  self->access_code = g_strdup (json_object_get_string_member (o, "access_code"));
  self->host = g_strdup (json_object_get_string_member (o, "host"));
  self->ca_file = g_strdup (json_object_get_string_member (o, "ca_file"));
  self->fingerprint = g_strdup (json_object_get_string_member (o, "fingerprint"));
  self->storage_dir = g_strdup (json_object_get_string_member (o, "storage_dir"));
  self->requests_file = g_strdup (json_object_get_string_member (o, "requests_file"));
  self->mqtt_port = (guint) json_object_get_int_member (o, "mqtt_port");
  self->ftps_port = (guint) json_object_get_int_member (o, "ftps_port");
}

static gboolean
wait_for_ready (AfTestPrinter  *self,
                GError        **error)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_SECONDS * G_TIME_SPAN_SECOND;
  gboolean ready;

  g_mutex_lock (&self->lock);
  while (self->ready == NULL && !self->eof)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  ready = self->ready != NULL;
  g_mutex_unlock (&self->lock);

  if (!ready)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The virtual printer did not become ready (see its stderr)");
      return FALSE;
    }
  take_ready_fields (self);
  return TRUE;
}

AfTestPrinter *
af_test_printer_start (const char *const  *extra_args,
                       GError            **error)
{
  const char *script = g_getenv ("AF_VIRTUAL_PRINTER");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  AfTestPrinter *self;

  if (script == NULL || *script == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "AF_VIRTUAL_PRINTER is not set");
      return NULL;
    }

  g_ptr_array_add (argv, (gpointer) "/usr/bin/python3");
  g_ptr_array_add (argv, (gpointer) script);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  self = g_new0 (AfTestPrinter, 1);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                     G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                     G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                     error);
  if (self->process == NULL)
    {
      self->stopped = TRUE;
      af_test_printer_free (self);
      return NULL;
    }
  self->stdin_pipe = g_object_ref (g_subprocess_get_stdin_pipe (self->process));
  self->stdout_lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  self->reader = g_thread_new ("af-test-printer", reader_thread, self);

  if (!wait_for_ready (self, error))
    {
      af_test_printer_free (self);
      return NULL;
    }
  return self;
}

const char *
af_test_printer_get_serial (AfTestPrinter *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->serial;
}

const char *
af_test_printer_get_access_code (AfTestPrinter *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->access_code;
}

const char *
af_test_printer_get_host (AfTestPrinter *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->host;
}

guint
af_test_printer_get_mqtt_port (AfTestPrinter *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->mqtt_port;
}

guint
af_test_printer_get_ftps_port (AfTestPrinter *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->ftps_port;
}

const char *
af_test_printer_get_ca_file (AfTestPrinter *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->ca_file;
}

const char *
af_test_printer_get_fingerprint (AfTestPrinter *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->fingerprint;
}

const char *
af_test_printer_get_storage_dir (AfTestPrinter *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->storage_dir;
}

const char *
af_test_printer_get_requests_file (AfTestPrinter *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->requests_file;
}

/* Removes and returns the answer to command_line, or NULL. Lock held. */
static JsonObject *
claim_answer (AfTestPrinter *self,
              const char    *command_line)
{
  for (guint i = 0; i < self->answers->len; i++)
    {
      JsonObject *o = g_ptr_array_index (self->answers, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (o, "command", ""),
                     command_line) == 0)
        {
          json_object_ref (o);
          g_ptr_array_remove_index (self->answers, i);
          return o;
        }
    }
  return NULL;
}

gboolean
af_test_printer_control (AfTestPrinter *self,
                         const char    *command_line)
{
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *answer = NULL;
  gint64 deadline;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (command_line != NULL && strchr (command_line, '\n') == NULL, FALSE);

  line = g_strconcat (command_line, "\n", NULL);
  if (!g_output_stream_write_all (self->stdin_pipe, line, strlen (line), NULL, NULL, &error) ||
      !g_output_stream_flush (self->stdin_pipe, NULL, &error))
    {
      g_test_message ("virtual printer control '%s': %s", command_line, error->message);
      return FALSE;
    }

  deadline = g_get_monotonic_time () + CONTROL_TIMEOUT_SECONDS * G_TIME_SPAN_SECOND;
  g_mutex_lock (&self->lock);
  while ((answer = claim_answer (self, command_line)) == NULL && !self->eof)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  g_mutex_unlock (&self->lock);

  if (answer == NULL)
    return FALSE;
  ok = json_object_get_boolean_member_with_default (answer, "ok", FALSE);
  if (!ok)
    g_test_message ("virtual printer control '%s' failed: %s", command_line,
                    json_object_get_string_member_with_default (answer, "message", ""));
  json_object_unref (answer);
  return ok;
}

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits on a private main context, so the caller's main loop is not run. */
static gboolean
wait_for_exit (GSubprocess *process,
               guint        seconds)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (seconds);
  gboolean done = FALSE;
  gboolean timed_out = FALSE;

  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  g_subprocess_wait_async (process, NULL, wait_done_cb, &done);
  while (!done && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  /* The pending wait must finish before its callback's data goes away. */
  if (!done)
    {
      g_subprocess_force_exit (process);
      while (!done)
        g_main_context_iteration (context, TRUE);
    }
  g_main_context_pop_thread_default (context);
  return !timed_out;
}

void
af_test_printer_stop (AfTestPrinter *self)
{
  g_return_if_fail (self != NULL);

  if (self->stopped)
    return;
  self->stopped = TRUE;

  g_subprocess_send_signal (self->process, SIGTERM);
  if (!wait_for_exit (self->process, STOP_TIMEOUT_SECONDS))
    g_test_message ("virtual printer did not stop on SIGTERM; killed it");
  g_output_stream_close (self->stdin_pipe, NULL, NULL);
  if (self->reader != NULL)
    g_thread_join (g_steal_pointer (&self->reader));
}

void
af_test_printer_free (AfTestPrinter *self)
{
  if (self == NULL)
    return;

  af_test_printer_stop (self);
  g_clear_object (&self->stdin_pipe);
  g_clear_object (&self->stdout_lines);
  g_clear_object (&self->process);
  g_clear_pointer (&self->ready, json_object_unref);
  g_clear_pointer (&self->answers, g_ptr_array_unref);
  g_free (self->serial);
  g_free (self->access_code);
  g_free (self->host);
  g_free (self->ca_file);
  g_free (self->fingerprint);
  g_free (self->storage_dir);
  g_free (self->requests_file);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
