/* af-printer-models.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-core"

#include "config.h"

#include <string.h>

#include "af-printer-models.h"

/* family groups models whose G-code is interchangeable: BambuStudio's
 * SelectMachine treats X1 and X1 Carbon as one printer, O1D.json lists O1E as
 * compatible, and O1C2.json lists O1C.
 */
typedef struct
{
  const char *id;
  const char *name;
  const char *family;
  gboolean    usb_storage;
  const char *aliases[4];
} Model;

static const Model models[] = {
  { "BL-P001", "X1 Carbon", "X1", FALSE,
    { "3DPrinter-X1-Carbon", "Bambu Lab X1 Carbon", "Bambu Lab X1-Carbon", "X1C" } },
  { "BL-P002", "X1", "X1", FALSE, { "3DPrinter-X1", "Bambu Lab X1", NULL } },
  { "C11", "P1P", NULL, FALSE, { "Bambu Lab P1P", NULL } },
  { "C12", "P1S", NULL, FALSE, { "Bambu Lab P1S", NULL } },
  { "C13", "X1E", NULL, FALSE, { "Bambu Lab X1E", NULL } },
  { "N1", "A1 mini", NULL, FALSE, { "Bambu Lab A1 mini", NULL } },
  { "N2S", "A1", NULL, FALSE, { "Bambu Lab A1", NULL } },
  { "N6", "X2D", NULL, FALSE, { "Bambu Lab X2D", NULL } },
  { "N7", "P2S", NULL, TRUE, { "Bambu Lab P2S", NULL } },
  { "O1D", "H2D", "H2D", TRUE, { "Bambu Lab H2D", NULL } },
  { "O1E", "H2D Pro", "H2D", TRUE, { "Bambu Lab H2D Pro", NULL } },
  { "O1S", "H2S", NULL, TRUE, { "Bambu Lab H2S", NULL } },
  { "O1C2", "H2C", "H2C", TRUE, { "Bambu Lab H2C", NULL } },
  { "O1C", "H2C", "H2C", TRUE, { NULL } },
};

static gboolean
matches (const char *a,
         const char *b)
{
  return a != NULL && g_ascii_strcasecmp (a, b) == 0;
}

static const Model *
find_model (const char *text)
{
  g_autofree char *key = NULL;

  if (text == NULL)
    return NULL;

  key = g_strstrip (g_strdup (text));
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      if (matches (models[i].id, key) || matches (models[i].name, key))
        return &models[i];
      for (guint j = 0; j < G_N_ELEMENTS (models[i].aliases); j++)
        if (matches (models[i].aliases[j], key))
          return &models[i];
    }

  return NULL;
}

const char *
af_printer_models_find_id (const char *text)
{
  const Model *model = find_model (text);

  return model != NULL ? model->id : NULL;
}

const char *
af_printer_models_get_name (const char *id)
{
  const Model *model = find_model (id);

  return model != NULL ? model->name : NULL;
}

gboolean
af_printer_models_are_compatible (const char *file_id,
                                  const char *printer_id)
{
  const Model *a = find_model (file_id);
  const Model *b = find_model (printer_id);

  if (a == NULL || b == NULL)
    return FALSE;

  return a == b || (a->family != NULL && g_strcmp0 (a->family, b->family) == 0);
}

gboolean
af_printer_models_has_usb_storage (const char *id)
{
  const Model *model = find_model (id);

  return model != NULL && model->usb_storage;
}
