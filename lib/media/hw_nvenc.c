/* hw_nvenc.c -- NVIDIA: NVENC encoding from system memory, NVDEC decoding */
#include <stdio.h>

#include "media/av.h"

static int
nvenc_setup(AVCodecContext *c, AVDictionary **opts, AVBufferRef *dev,
            const struct sv__venc_cfg *cfg)
{
    char cq[16];

    /* frames stay in system memory: the graph scales on the CPU and NVENC
     * uploads them itself, in the CUDA context we probed */
    c->hw_device_ctx = av_buffer_ref(dev);
    if (c->hw_device_ctx == NULL)
        return AVERROR(ENOMEM);
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    av_dict_set(opts, "preset", "p4", 0);
    av_dict_set(opts, "forced-idr", "1", 0);
    av_dict_set(opts, "no-scenecut", "1", 0);
    if (cfg->rate == SV_RATE_CBR) {
        av_dict_set(opts, "rc", "cbr", 0);
    } else {
        snprintf(cq, sizeof(cq), "%d", cfg->crf);
        av_dict_set(opts, "rc", "vbr", 0);
        av_dict_set(opts, "cq", cq, 0);
    }
    return 0;
}

const struct sv__hw sv__hw_nvenc = {
    "nvenc", AV_HWDEVICE_TYPE_CUDA, { "h264_nvenc", "hevc_nvenc", NULL, NULL },
    "nvdec", AV_PIX_FMT_YUV420P, nvenc_setup,
};
