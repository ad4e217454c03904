/* af-cloud-error.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-cloud"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-cloud-client.h"
#include "af-cloud-error.h"
#include "af-json.h"

G_DEFINE_QUARK (af-cloud-error-quark, af_cloud_error)

/* Problem types are names, the same whatever the base URL (docs/cloud-api.md). */
#define PROBLEM_PREFIX "https://api.atomform.tech/problems/"

/* Longer waits are not waited for: the user is told when to try again. */
#define RETRY_AFTER_SHOWN_MAX (15 * 60)

gboolean
af_cloud_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != AF_CLOUD_ERROR)
    return FALSE;

  switch (error->code)
    {
    case AF_CLOUD_ERROR_NETWORK:
    case AF_CLOUD_ERROR_RATE_LIMITED:
    case AF_CLOUD_ERROR_SERVER:
    case AF_CLOUD_ERROR_UNAVAILABLE:
      return TRUE;
    default:
      return FALSE;
    }
}

const char *
af_cloud_service_describe (const char *service)
{
  if (g_strcmp0 (service, "api") == 0)
    return _("AtomForm’s cloud");
  if (g_strcmp0 (service, "sign-in") == 0)
    return _("AtomForm’s sign-in service");
  if (g_strcmp0 (service, "uploads") == 0)
    return _("AtomForm’s upload service");
  if (g_strcmp0 (service, "printing") == 0)
    return _("AtomForm’s cloud printing service");
  if (g_strcmp0 (service, "broker") == 0)
    return _("AtomForm’s live status service");
  if (g_strcmp0 (service, "history") == 0)
    return _("AtomForm’s print history service");
  return NULL;
}

typedef struct
{
  char   *type;      /* short name, or the OAuth error for the oauth type */
  char   *detail;    /* for people; untrusted, shown as text */
  char   *service;
  char   *since;
} Problem;

static void
problem_clear (Problem *problem)
{
  g_clear_pointer (&problem->type, g_free);
  g_clear_pointer (&problem->detail, g_free);
  g_clear_pointer (&problem->service, g_free);
  g_clear_pointer (&problem->since, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Problem, problem_clear)

static char *
dup_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_utf8_make_valid (json_node_get_string (node), -1);
}

/* A body that is not a readable problem leaves the problem empty: the
 * status then decides alone.
 */
static void
read_problem (const char *content_type,
              const char *body,
              gsize       body_length,
              Problem    *problem)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *object;
  g_autofree char *type = NULL;

  if (body == NULL || body_length == 0 || content_type == NULL ||
      strstr (content_type, "json") == NULL || body_length > AF_CLOUD_MAX_RESPONSE_BYTES)
    return;

  parser = json_parser_new_immutable ();
  if (!af_json_load_untrusted (parser, body, body_length, NULL) ||
      (object = af_json_get_root_object (parser)) == NULL)
    return;

  type = dup_member (object, "type");
  if (type != NULL && g_str_has_prefix (type, PROBLEM_PREFIX))
    problem->type = g_strdup (type + strlen (PROBLEM_PREFIX));
  if (g_strcmp0 (problem->type, "oauth") == 0)
    {
      g_free (problem->type);
      problem->type = dup_member (object, "error");
      problem->detail = dup_member (object, "error_description");
    }
  if (problem->detail == NULL)
    problem->detail = dup_member (object, "detail");
  problem->service = dup_member (object, "service");
  problem->since = dup_member (object, "since");
}

/* "05:10" in local time, or NULL for a time that does not parse. */
static char *
format_since (const char *since)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (since == NULL)
    return NULL;
  utc = g_date_time_new_from_iso8601 (since, NULL);
  if (utc == NULL)
    return NULL;
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%H:%M");
}

static GError *
unavailable_error (Problem *problem)
{
  const char *service = af_cloud_service_describe (problem->service);
  g_autofree char *since = format_since (problem->since);

  if (service == NULL)
    service = af_cloud_service_describe ("api");
  if (since != NULL)
    /* Translators: the first %s is a service, e.g. "AtomForm’s upload service",
     * the second a time of day such as "05:10"
     */
    return g_error_new (AF_CLOUD_ERROR, AF_CLOUD_ERROR_UNAVAILABLE,
                        _("%s has been unavailable since %s. Try again later; printing over "
                          "the network (LAN) still works."),
                        service, since);
  return g_error_new (AF_CLOUD_ERROR, AF_CLOUD_ERROR_UNAVAILABLE,
                      _("%s is unavailable. Try again later; printing over the network (LAN) "
                        "still works."),
                      service);
}

static GError *
rate_limited_error (gint64 retry_after_seconds)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) then = NULL;
  g_autofree char *when = NULL;

  if (retry_after_seconds <= 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_RATE_LIMITED,
                                _("AtomForm’s cloud received too many requests. Wait a "
                                  "minute, then try again."));

  now = g_date_time_new_now_local ();
  then = g_date_time_add_seconds (now, (gdouble)retry_after_seconds);
  when = g_date_time_format (then, "%H:%M");
  /* Translators: %s is a time of day such as "05:10" */
  return g_error_new (AF_CLOUD_ERROR, AF_CLOUD_ERROR_RATE_LIMITED,
                      _("AtomForm’s cloud received too many requests. Try again after %s."),
                      when);
}

/* The OAuth errors (RFC 6749 §5.2, RFC 8628 §3.5) that the sign-in flows
 * act on; NULL for any other.
 */
static GError *
oauth_error (Problem *problem)
{
  const char *type = problem->type;

  if (g_strcmp0 (type, "authorization_pending") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_PENDING,
                                _("The sign-in has not been confirmed yet."));
  if (g_strcmp0 (type, "slow_down") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_SLOW_DOWN,
                                _("The sign-in has not been confirmed yet."));
  if (g_strcmp0 (type, "access_denied") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_ACCESS_DENIED,
                                _("The sign-in was refused. Sign in again to use the cloud."));
  if (g_strcmp0 (type, "expired_token") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_EXPIRED,
                                _("The sign-in code expired before it was confirmed. Start "
                                  "the sign-in again."));
  if (g_strcmp0 (type, "invalid_grant") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGN_IN_FAILED,
                                _("The sign-in was not accepted. Sign in again."));
  return NULL;
}

static GError *
conflict_error (Problem *problem)
{
  const char *type = problem->type;
  const char *detail = problem->detail != NULL ? problem->detail : "";

  if (g_strcmp0 (type, "printer-busy") == 0)
    /* Translators: %s is the cloud's own explanation, e.g. "“Workshop P1S” is printing …" */
    return g_error_new (AF_CLOUD_ERROR, AF_CLOUD_ERROR_PRINTER_BUSY,
                        _("The printer is busy. %s"), detail);
  if (g_strcmp0 (type, "printer-offline") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_PRINTER_OFFLINE,
                                _("The printer is not connected to AtomForm’s cloud. Check "
                                  "that it is on and online, or print over the network (LAN)."));
  if (g_strcmp0 (type, "invalid-job-state") == 0)
    return g_error_new (AF_CLOUD_ERROR, AF_CLOUD_ERROR_INVALID_STATE,
                        _("The print cannot do that in its current state. %s"), detail);
  if (g_strcmp0 (type, "upload-incomplete") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_UPLOAD_INCOMPLETE,
                                _("The file has not been uploaded completely. Send it again."));
  if (g_strcmp0 (type, "upload-offset-mismatch") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_OFFSET_MISMATCH,
                                _("The upload got out of step with the cloud. Send the file "
                                  "again."));
  if (g_strcmp0 (type, "idempotency-in-progress") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_RATE_LIMITED,
                                _("AtomForm’s cloud is still working on the same request. Try "
                                  "again in a minute."));
  return g_error_new (AF_CLOUD_ERROR, AF_CLOUD_ERROR_CONFLICT,
                      _("AtomForm’s cloud refused the request. %s"), detail);
}

static GError *
client_error (guint    status,
              Problem *problem)
{
  const char *type = problem->type;
  const char *detail = problem->detail != NULL ? problem->detail : "";

  if (g_strcmp0 (type, "unsupported-api-version") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_VERSION,
                                _("AtomForm’s cloud no longer accepts this version of AtomForm "
                                  "Connect. Update AtomForm Connect; printing over the network "
                                  "(LAN) still works."));
  if (g_strcmp0 (type, "invalid-cursor") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_INVALID_CURSOR,
                                _("The list changed too much while it was shown. Reload it."));
  if (g_strcmp0 (type, "printer-not-bound") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_PRINTER_NOT_BOUND,
                                _("This printer is no longer bound to your AtomForm account."));
  if (g_strcmp0 (type, "file-expired") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_GONE,
                                _("The cloud deleted this print’s file after 90 days. Send it "
                                  "again from the file."));
  if (g_strcmp0 (type, "upload-expired") == 0)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_GONE,
                                _("The cloud no longer holds this upload. Send the file again."));
  if (g_strcmp0 (type, "checksum-mismatch") == 0 || status == 460)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_CHECKSUM,
                                _("Part of the file arrived damaged at the cloud. Check the "
                                  "network connection and send the file again."));

  switch (status)
    {
    case 401:
      return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGNED_OUT,
                                  _("Your AtomForm sign-in has ended. Sign in again."));
    case 403:
      return g_error_new (AF_CLOUD_ERROR, AF_CLOUD_ERROR_FAILED,
                          _("AtomForm’s cloud does not allow this for your account. %s"), detail);
    case 404:
      return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_FOUND,
                                  _("AtomForm’s cloud no longer has this item. Reload the list "
                                    "it came from."));
    case 409:
      return conflict_error (problem);
    case 410:
      return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_GONE,
                                  _("The cloud no longer holds this item."));
    case 412:
      /* tus answers a wrong Tus-Resumable with 412 too: that is our bug. */
      if (g_strcmp0 (type, "invalid-request") != 0)
        return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_CHANGED_ELSEWHERE,
                                    _("It was changed elsewhere in the meantime. Reload it and "
                                      "try again."));
      break;
    case 413:
      return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_TOO_LARGE,
                                  _("The file is larger than AtomForm’s cloud accepts (2 GiB). "
                                    "Print it over the network (LAN) instead."));
    case 422:
      if (g_strcmp0 (type, "idempotency-key-reused") != 0)
        return g_error_new (AF_CLOUD_ERROR, AF_CLOUD_ERROR_REJECTED,
                            _("AtomForm’s cloud refused the print. %s"), detail);
      break;
    case 429:
      return rate_limited_error (-1);
    default:
      break;
    }

  /* 400, 415, 428 and reused keys: the request itself was wrong. */
  return g_error_new (AF_CLOUD_ERROR, AF_CLOUD_ERROR_BUG,
                      _("AtomForm’s cloud refused a request of this app (status %u). Please "
                        "report this as a bug. %s"),
                      status, detail);
}

GError *
af_cloud_error_from_response (guint        status,
                              const char  *content_type,
                              const char  *body,
                              gsize        body_length,
                              gint64       retry_after_seconds,
                              char       **problem_type)
{
  g_auto(Problem) problem = { NULL, };
  GError *error;

  read_problem (content_type, body, body_length, &problem);
  if (problem_type != NULL)
    *problem_type = g_strdup (problem.type);

  if (status == 429 || (retry_after_seconds > RETRY_AFTER_SHOWN_MAX &&
                        g_strcmp0 (problem.type, "idempotency-in-progress") == 0))
    return rate_limited_error (retry_after_seconds);
  if (status == 503)
    return unavailable_error (&problem);
  if (status >= 500)
    return g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_SERVER,
                                _("AtomForm’s cloud failed to answer. Try again later; printing "
                                  "over the network (LAN) still works."));
  if (status == 400 && (error = oauth_error (&problem)) != NULL)
    return error;
  return client_error (status, &problem);
}
