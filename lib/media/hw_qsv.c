/* hw_qsv.c -- Intel Quick Sync encoding from uploaded surfaces */
#include "media/av.h"

static int
qsv_setup(AVCodecContext *c, AVDictionary **opts, AVBufferRef *dev,
          const struct sv__venc_cfg *cfg)
{
    av_dict_set(opts, "preset", "medium", 0);
    av_dict_set(opts, "forced_idr", "1", 0);
    if (cfg->rate != SV_RATE_CBR)
        c->global_quality = cfg->crf;
    return sv__hw_frames(c, dev, AV_PIX_FMT_QSV, AV_PIX_FMT_NV12);
}

const struct sv__hw sv__hw_qsv = {
    "qsv", AV_HWDEVICE_TYPE_QSV,
    { "h264_qsv", "hevc_qsv", "vp9_qsv", NULL },
    "qsv", AV_PIX_FMT_NV12, qsv_setup,
};
