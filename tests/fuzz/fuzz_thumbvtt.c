/* fuzz_thumbvtt.c -- the thumbnails track check (lib/model/images.c):
 * cue timings, sprite names and #xywh= fragments of a WebVTT file that
 * sv-package --thumbnails reads from a directory it is given.  The first
 * two bytes pick the grid and the cell count. */
#include <stdint.h>
#include <string.h>

#include "model/images.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_model_images img;
    char err[128];

    if (size < 2)
        return 0;
    memset(&img, 0, sizeof(img));
    img.cols = 1 + data[0] % 10;
    img.rows = 1 + data[0] / 10 % 10;
    img.cells = 1 + data[1];
    img.sheets = (img.cells + img.cols * img.rows - 1) /
                 (img.cols * img.rows);
    img.cell_w = 160;
    img.cell_h = 90;
    img.interval = 1;
    sv_images_vtt_check(&img, (const char *)data + 2, size - 2, err,
                        sizeof(err));
    return 0;
}
