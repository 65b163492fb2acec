"""Odd/even students: layer maps, tensor-by-tensor copies, independence, parameter counts."""

import pytest
import torch

from ml.errors import ConfigError
from ml.models import layer_map, make_student
from tests.support.tiny_bert import layer_tensors, tiny_bert


def tiny_teacher(layers=4):
    return tiny_bert(layers, vocab_size=100, hidden_size=16, max_positions=32)


def test_layer_maps_are_zero_indexed_odd_and_even():
    assert layer_map(12, "even") == [0, 2, 4, 6, 8, 10]
    assert layer_map(12, "odd") == [1, 3, 5, 7, 9, 11]
    assert layer_map(6, "odd") == [1, 3, 5]


@pytest.mark.parametrize("parity, offset", [("odd", 1), ("even", 0)])
def test_student_layer_i_equals_teacher_layer_2i_plus_offset(parity, offset):
    teacher = tiny_teacher(layers=6)
    student, mapping = make_student(teacher, parity)
    assert student.config.num_hidden_layers == 3
    assert mapping == [2 * i + offset for i in range(3)]
    for i in range(3):
        s_layer, t_layer = layer_tensors(student, i), layer_tensors(teacher, 2 * i + offset)
        assert s_layer.keys() == t_layer.keys() and len(s_layer) > 0
        for name in s_layer:
            assert torch.equal(s_layer[name], t_layer[name]), f"layer {i} {name}"


def test_embeddings_pooler_and_classifier_are_copied():
    teacher = tiny_teacher()
    student, _ = make_student(teacher, "odd")
    t_state, s_state = teacher.state_dict(), student.state_dict()
    copied = [k for k in s_state if ".encoder.layer." not in k]
    assert any("embeddings" in k for k in copied) and any("pooler" in k for k in copied)
    assert any(k.startswith("classifier") for k in copied)
    for key in copied:
        assert torch.equal(s_state[key], t_state[key]), key


def test_odd_and_even_students_are_different_objects_with_different_weights():
    teacher = tiny_teacher()
    odd, _ = make_student(teacher, "odd")
    even, _ = make_student(teacher, "even")
    assert odd is not even
    assert not torch.equal(
        layer_tensors(odd, 0)["attention.self.query.weight"], layer_tensors(even, 0)["attention.self.query.weight"]
    )


def test_students_share_no_storage_with_the_teacher_or_each_other():
    teacher = tiny_teacher()
    odd, _ = make_student(teacher, "odd")
    even, _ = make_student(teacher, "even")
    teacher_before = {k: v.clone() for k, v in teacher.state_dict().items()}
    with torch.no_grad():
        for p in odd.parameters():
            p.add_(1.0)
    for key, value in teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key
    assert not torch.equal(odd.classifier.weight, even.classifier.weight)


def test_student_has_half_the_encoder_parameters():
    teacher = tiny_teacher(layers=4)
    student, _ = make_student(teacher, "even")
    per_layer = sum(v.numel() for v in layer_tensors(teacher, 0).values())
    t_total = sum(p.numel() for p in teacher.parameters())
    s_total = sum(p.numel() for p in student.parameters())
    assert t_total - s_total == 2 * per_layer


def test_a_teacher_with_an_odd_number_of_layers_is_refused():
    with pytest.raises(ConfigError, match="5 layers"):
        make_student(tiny_teacher(layers=5), "odd")
