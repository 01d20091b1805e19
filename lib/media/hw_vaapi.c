/* hw_vaapi.c -- VA-API encoding (Intel, AMD) from uploaded surfaces */
#include "media/av.h"

static int
vaapi_setup(AVCodecContext *c, AVDictionary **opts, AVBufferRef *dev,
            const struct sv__venc_cfg *cfg)
{
    if (cfg->rate == SV_RATE_CBR) {
        av_dict_set(opts, "rc_mode", "CBR", 0);
    } else {
        av_dict_set(opts, "rc_mode", "QVBR", 0);
        c->global_quality = cfg->crf;
    }
    return sv__hw_frames(c, dev, AV_PIX_FMT_VAAPI, AV_PIX_FMT_NV12);
}

const struct sv__hw sv__hw_vaapi = {
    "vaapi", AV_HWDEVICE_TYPE_VAAPI,
    { "h264_vaapi", "hevc_vaapi", "vp9_vaapi", NULL },
    "vaapi", AV_PIX_FMT_NV12, vaapi_setup,
};
