"""TensorBoard's own reader on nodetorch's event files (test/tensorboard.test.ts): the event
accumulator that TensorBoard's dashboards use, the hparams plugin's protos and Pillow for images.

  tensorboard_check.py DIR   JSON: {scalars: {tag: [[step, value]]}, images: {tag: [{step, width,
                             height, pixels}]}, hparams: {...}, metrics: [...], status}
"""
import io
import json
import sys

from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2


def main():
    ea = EventAccumulator(sys.argv[1], size_guidance={'scalars': 0, 'images': 0, 'tensors': 0})
    ea.Reload()
    tags = ea.Tags()
    out = {'scalars': {}, 'images': {}, 'hparams': {}, 'metrics': [], 'status': None}
    for tag in tags['scalars']:
        out['scalars'][tag] = [[e.step, e.value] for e in ea.Scalars(tag)]
    for tag in tags['images']:
        images = []
        for e in ea.Images(tag):
            image = Image.open(io.BytesIO(e.encoded_image_string))
            images.append({'step': e.step, 'width': e.width, 'height': e.height, 'mode': image.mode, 'pixels': list(image.getdata())})
        out['images'][tag] = images
    for tag, content in ea.PluginTagToContent('hparams').items():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        which = data.WhichOneof('data')
        if which == 'session_start_info':
            for k, v in data.session_start_info.hparams.items():
                out['hparams'][k] = getattr(v, v.WhichOneof('kind'))
        elif which == 'experiment':
            out['metrics'] = [m.name.tag for m in data.experiment.metric_infos]
            out['hparamNames'] = [h.name for h in data.experiment.hparam_infos]
        elif which == 'session_end_info':
            out['status'] = data.session_end_info.status
    print(json.dumps(out))


if __name__ == '__main__':
    main()
