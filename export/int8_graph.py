"""Graph edits around quantize_static that make the INT8 model fast in onnxruntime.

What it is: three small, exact ONNX graph edits (bench/INT8.md has the measurements):
- first_conv(): the first Conv, which reads the single-channel image. onnxruntime's integer
  convolution is several times slower than its FP32 NCHWc kernel for one input channel, so
  this layer stays FP32 (quantize_static's nodes_to_exclude).
- pool_before_relu(): Conv -> Relu -> MaxPool becomes Conv -> MaxPool -> Relu behind that FP32
  conv (exact: Relu is monotone, so max(relu(a), relu(b)) = relu(max(a, b))). The INT8 part
  then starts with a QuantizeLinear after the Relu, which onnxruntime's QDQ propagation cannot
  move up through the MaxPool; otherwise it moves it there and runs the pooling on uint8 in
  NCHW layout, which costs more than the whole FP32 model.
- float_output(): drops the QuantizeLinear/DequantizeLinear pair on the graph output, so the
  last Gemm returns float logits (16x closer to FP32's; the speed is the same).
What it isn't: the quantization itself (quantize.py) or any change to the FP32 model.
"""

from __future__ import annotations

import onnx


def _consumers(graph: onnx.GraphProto, name: str) -> list[onnx.NodeProto]:
    return [node for node in graph.node if name in node.input]


def first_conv(proto: onnx.ModelProto) -> onnx.NodeProto:
    """The first Conv node in graph order (graphs are stored topologically sorted)."""
    for node in proto.graph.node:
        if node.op_type == "Conv":
            return node
    raise ValueError("the graph has no Conv node")


def pool_before_relu(proto: onnx.ModelProto, conv: onnx.NodeProto) -> bool:
    """conv -> Relu -> MaxPool becomes conv -> MaxPool -> Relu, in place; False if not that shape."""
    graph = proto.graph
    relus = _consumers(graph, conv.output[0])
    if len(relus) != 1 or relus[0].op_type != "Relu":
        return False
    pools = _consumers(graph, relus[0].output[0])
    if len(pools) != 1 or pools[0].op_type != "MaxPool" or len(pools[0].output) != 1:
        return False
    relu, pool = relus[0], pools[0]
    x, y = conv.output[0], pool.output[0]
    pooled = f"{y}_before_relu"
    # the old tensors' shapes no longer apply (the Relu's output is now pooled): let inference redo them
    stale = {relu.output[0], y}
    kept = [v for v in graph.value_info if v.name not in stale]
    del graph.value_info[:]
    graph.value_info.extend(kept)
    pool.input[0], pool.output[0] = x, pooled
    relu.input[0], relu.output[0] = pooled, y
    names = [node.name for node in graph.node]
    i, j = names.index(relu.name), names.index(pool.name)  # keep the topological order
    first, second = onnx.NodeProto(), onnx.NodeProto()
    first.CopyFrom(graph.node[j])
    second.CopyFrom(graph.node[i])
    graph.node[i].CopyFrom(first)
    graph.node[j].CopyFrom(second)
    return True


def float_output(proto: onnx.ModelProto) -> int:
    """Remove QuantizeLinear -> DequantizeLinear pairs that end in a graph output; returns how many."""
    graph = proto.graph
    outputs = {o.name for o in graph.output}
    producer = {out: node for node in graph.node for out in node.output}
    removed = 0
    for dq in [n for n in graph.node if n.op_type == "DequantizeLinear" and n.output[0] in outputs]:
        q = producer.get(dq.input[0])
        if q is None or q.op_type != "QuantizeLinear" or len(_consumers(graph, q.output[0])) != 1:
            continue
        source = producer.get(q.input[0])
        if source is None or len(_consumers(graph, q.input[0])) != 1:
            continue
        source.output[list(source.output).index(q.input[0])] = dq.output[0]
        graph.node.remove(q)
        graph.node.remove(dq)
        removed += 1
    _drop_unused_initializers(graph)
    return removed


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    used = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
