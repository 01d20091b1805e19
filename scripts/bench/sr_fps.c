/* sr_fps.c -- frames per second of lib/media/sr.c's sv_sr_frame (luma
 * network, chroma lanczos) on raw yuv420p frames; built and run by
 * scripts/bench/enhance.sh:  sr_fps W H FILE.yuv [threads] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavutil/frame.h>

#include "media/sr.h"

int
main(int argc, char **argv)
{
    struct timespec t0, t1;
    struct sv_sr *s = NULL;
    AVFrame *in = av_frame_alloc(), *out = NULL;
    FILE *f;
    int w, h, n = 0, p;
    double dt = 0;

    if (argc < 4 || in == NULL)
        return 2;
    w = atoi(argv[1]);
    h = atoi(argv[2]);
    f = fopen(argv[3], "rb");
    if (f == NULL || sv_sr_new(&s, argc > 4 ? atoi(argv[4]) : 0) < 0)
        return 1;
    in->width = w;
    in->height = h;
    in->format = AV_PIX_FMT_YUV420P;
    if (av_frame_get_buffer(in, 0) < 0)
        return 1;
    for (;;) {
        for (p = 0; p < 3; p++) {
            int pw = p ? (w + 1) / 2 : w, ph = p ? (h + 1) / 2 : h, y;

            for (y = 0; y < ph; y++)
                if (fread(in->data[p] + y * in->linesize[p], 1, pw, f) !=
                    (size_t)pw)
                    goto done;
        }
        /* the time of the upscale alone, not of reading the file */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (sv_sr_frame(s, in, 2 * w, 2 * h, AV_PIX_FMT_YUV420P, &out) < 0)
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        av_frame_free(&out);
        dt += (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
        n++;
    }
done:
    printf("%.2f\n", n / dt);
    fclose(f);
    av_frame_free(&in);
    sv_sr_free(s);
    return 0;
}
