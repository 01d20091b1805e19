/* report.c -- progress (bar and events) and the complete event */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/event.h"
#include "core/log.h"
#include "media/job.h"

#define PROGRESS_EVERY_US 1000000

void
sv__report_progress(struct job *j, int final)
{
    int64_t t = sv__now_us(), el = t - j->t0, dur = j->in.duration_us;
    double pct = dur > 0 ? 100.0 * (double)j->pos_us / (double)dur : 0;
    double fps = el > 0 ? j->vframes * 1e6 / (double)el : 0;
    double speed = el > 0 ? (double)j->pos_us / (double)el : 0;
    double eta = speed > 0 && dur > 0 ? (dur - j->pos_us) / 1e6 / speed : 0;
    char bar[21];
    int i, fill;

    if (pct > 100 || final)
        pct = final && dur > 0 ? 100 : (pct > 100 ? 100 : pct);
    if (eta < 0)
        eta = 0;
    if (sv_log_tty()) {
        fill = (int)(pct / 5);
        for (i = 0; i < 20; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[20] = '\0';
        sv_log_progress("%s: %s[%s] %5.1f%%  %.1f fps  %.2fx  ETA %d:%02d",
                        sv_log_tool(), j->pass == 1 ? "pass 1 "
                        : j->pass == 2 ? "pass 2 " : "", bar, pct, fps,
                        speed, (int)eta / 60, (int)eta % 60);
    }
    if (!final && t - j->last_event < PROGRESS_EVERY_US)
        return;
    j->last_event = t;
    json_t *d = json_object();
    json_object_set_new(d, "frames", json_integer(j->vframes));
    json_object_set_new(d, "time", json_real(j->pos_us / 1e6));
    if (dur > 0)
        json_object_set_new(d, "percent",
                            json_real((double)(int)(pct * 10) / 10));
    json_object_set_new(d, "fps", json_real((double)(int)(fps * 10) / 10));
    json_object_set_new(d, "speed",
                        json_real((double)(int)(speed * 100) / 100));
    json_object_set_new(d, "errors", json_integer(j->in.errors));
    if (j->pass != 0)
        json_object_set_new(d, "pass", json_integer(j->pass));
    sv_event_emit("video.transcoding.progress", d);
}

static json_t *
rung_json(struct job *j, int i, double secs)
{
    const struct sv_rung *r = &j->lad.r[i];
    json_t *o = json_object();

    json_object_set_new(o, "name", json_string(r->name));
    json_object_set_new(o, "width", json_integer(r->width));
    json_object_set_new(o, "height", json_integer(r->height));
    json_object_set_new(o, "codec", json_string(j->r[i].enc->codec->name));
    json_object_set_new(o, "target_bitrate", json_integer(r->bitrate));
    json_object_set_new(o, "bitrate", json_integer(secs > 0
        ? (json_int_t)(j->r[i].bytes * 8 / secs) : 0));
    json_object_set_new(o, "size", json_integer(j->r[i].bytes));
    json_object_set_new(o, "frames", json_integer(j->r[i].frames));
    if (j->o->outdir != NULL) {
        char path[4096];

        struct stat st;

        snprintf(path, sizeof(path), "%s/%s.%s", j->o->outdir, r->name,
                 j->o->container);
        json_object_set_new(o, "path", json_string(path));
        if (stat(path, &st) == 0)
            json_object_set_new(o, "file_size", json_integer(st.st_size));
    }
    return o;
}

void
sv__report_complete(struct job *j, int interrupted)
{
    double secs = j->vframes * av_q2d(j->vg.tb);
    json_t *d = json_object(), *rungs = json_array();
    int i;

    json_object_set_new(d, "input", json_string(j->o->input));
    json_object_set_new(d, "duration", json_real(secs));
    json_object_set_new(d, "frames", json_integer(j->vframes));
    json_object_set_new(d, "errors", json_integer(j->in.errors));
    json_object_set_new(d, "interrupted", json_boolean(interrupted));
    json_object_set_new(d, "hw", json_string(j->hw ? j->hw->name : "none"));
    for (i = 0; i < j->nrungs; i++)
        json_array_append_new(rungs, rung_json(j, i, secs));
    json_object_set_new(d, "rungs", rungs);
    if (j->aenc != NULL) {
        json_t *a = json_object();

        json_object_set_new(a, "codec", json_string(j->aenc->codec->name));
        json_object_set_new(a, "bitrate", json_integer(secs > 0
            ? (json_int_t)(j->abytes * 8 / secs) : 0));
        json_object_set_new(a, "size", json_integer(j->abytes));
        json_object_set_new(a, "frames", json_integer(j->aframes));
        json_object_set_new(d, "audio", a);
    }
    sv_event_emit("video.transcoding.complete", d);
}
