#include "cards.h"

#include <cstdio>

namespace phonemic {

int OpenCardControl(int card, snd_ctl_t** ctl) {
  char name[32];
  std::snprintf(name, sizeof name, "hw:%d", card);
  return snd_ctl_open(ctl, name, 0);
}

std::vector<CardInfo> ListCards() {
  std::vector<CardInfo> cards;
  snd_ctl_card_info_t* info;
  snd_ctl_card_info_alloca(&info);
  int card = -1;
  while (snd_card_next(&card) == 0 && card >= 0) {
    snd_ctl_t* ctl;
    if (OpenCardControl(card, &ctl) < 0) continue;
    if (snd_ctl_card_info(ctl, info) == 0) {
      cards.push_back({card, snd_ctl_card_info_get_id(info), snd_ctl_card_info_get_driver(info),
                       snd_ctl_card_info_get_name(info)});
    }
    snd_ctl_close(ctl);
  }
  return cards;
}

int PlaybackSubdevices(int card, int device) {
  snd_ctl_t* ctl;
  if (OpenCardControl(card, &ctl) < 0) return 0;
  snd_pcm_info_t* info;
  snd_pcm_info_alloca(&info);
  snd_pcm_info_set_device(info, unsigned(device));
  snd_pcm_info_set_subdevice(info, 0);
  snd_pcm_info_set_stream(info, SND_PCM_STREAM_PLAYBACK);
  int count = snd_ctl_pcm_info(ctl, info) == 0 ? int(snd_pcm_info_get_subdevices_count(info)) : 0;
  snd_ctl_close(ctl);
  return count;
}

int WriteRateShift(snd_ctl_t* ctl, int device, int subdevice, long value) {
  snd_ctl_elem_value_t* elem;
  snd_ctl_elem_value_alloca(&elem);
  snd_ctl_elem_value_set_interface(elem, SND_CTL_ELEM_IFACE_PCM);
  snd_ctl_elem_value_set_name(elem, "PCM Rate Shift 100000");
  // snd-aloop keys a cable's settings by the *capture* end: playback on device 0 feeds capture
  // on device 1, and that cable reads the control registered under device 1 (and vice versa).
  snd_ctl_elem_value_set_device(elem, unsigned(device ^ 1));
  snd_ctl_elem_value_set_subdevice(elem, unsigned(subdevice));
  snd_ctl_elem_value_set_integer(elem, 0, value);
  int err = snd_ctl_elem_write(ctl, elem);
  return err < 0 ? err : 0;
}

}  // namespace phonemic
