"""Bad input: numpy floating-point semantics, and errors that name the operation, shapes and fix."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import adlab


@pytest.fixture
def x():
    return adlab.tensor([1.0, 2.0, 3.0], requires_grad=True)


def test_log_of_negative_is_nan_with_numpy_warning():
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        assert math.isnan(adlab.log(-1.0))
    with pytest.warns(RuntimeWarning):
        out = adlab.log(np.array([-1.0, 0.0, 1.0]))
    assert math.isnan(out[0]) and out[1] == -np.inf and out[2] == 0.0


def test_division_by_zero_and_overflow_follow_numpy():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert adlab.div(1.0, 0.0) == math.inf
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert adlab.exp(1000.0) == math.inf
    with pytest.warns(RuntimeWarning):
        assert math.isnan(adlab.power(-8.0, 1 / 3))
    with pytest.warns(RuntimeWarning):
        assert adlab.grad(adlab.log)(0.0) == math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert adlab.sigmoid(-1000.0) == 0.0  # stable form: no overflow warning
        assert adlab.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    "call, op, bad",
    [
        (lambda x: adlab.sin("a"), "sin", "str"),
        (lambda x: x + "a", "add", "str"),
        (lambda x: x * None, "mul", "NoneType"),
        (lambda x: adlab.exp(None), "exp", "NoneType"),
    ],
)
def test_wrong_types_name_operation_and_type(x, call, op, bad):
    with pytest.raises(TypeError) as info:
        call(x)
    msg = str(info.value)
    assert msg.startswith(op + ":") and bad in msg and "Convert" in msg


@pytest.mark.parametrize("data", ["abc", None, [1.0, "a"], True])
def test_tensor_rejects_non_numbers(data):
    with pytest.raises(TypeError, match="tensor: data"):
        adlab.tensor(data)


def test_tensor_error_names_the_dtype_once():
    with pytest.raises(TypeError) as info:
        adlab.tensor(np.array(["a", "b"]))
    assert str(info.value) == ("tensor: data is array of shape (2,) and dtype <U1; give numbers, "
                               "e.g. adlab.tensor([1.0, 2.0]).")
    with pytest.raises(TypeError, match=r"list \['a'\] with dtype <U1; give numbers"):
        adlab.tensor(["a"])


def test_shape_mismatch_names_shapes_and_fix(x):
    with pytest.raises(ValueError) as info:
        x + adlab.tensor([1.0, 2.0])
    msg = str(info.value)
    assert msg.startswith("add:") and "(3,)" in msg and "(2,)" in msg and "reshape" in msg
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(4, 2\).*Transpose"):
        x @ adlab.tensor(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(4, 2\)"):
        adlab.dot(x, np.ones((4, 2)))  # numpy's dot: a vector and a matrix are a matmul
    with pytest.raises(ValueError, match=r"dot: shapes \(3,\) and \(4,\)"):
        adlab.dot(x, np.ones(4))
    with pytest.raises(ValueError, match=r"reshape: cannot turn shape \(3,\) into \(4,\)"):
        x.reshape(4)
    with pytest.raises(ValueError, match=r"getitem: index 5 does not fit shape \(3,\)"):
        x[5]


@pytest.mark.parametrize(
    "call",
    [
        lambda: adlab.tensor([1, 2], requires_grad=True),
        lambda: adlab.grad(adlab.sin)(2),
        lambda: adlab.jvp(adlab.sin, (2,), (1.0,)),
        lambda: adlab.jacrev(adlab.sin)(np.arange(3)),
    ],
)
def test_differentiating_non_floats_is_a_type_error(call):
    with pytest.raises(TypeError, match=r"int64|int.*only floating-point") as info:
        call()
    assert "2.0" in str(info.value)  # the fix


def test_transform_argument_errors():
    with pytest.raises(TypeError, match="grad: argument 0 is str"):
        adlab.grad(adlab.sin)("2")
    with pytest.raises(ValueError, match=r"grad: .*shape \(3,\).*\.sum\(\).*jacrev"):
        adlab.grad(lambda v: v * 2)(np.ones(3))
    with pytest.raises(ValueError, match=r"jvp: tangent 0 has shape \(2,\) but primal 0 has shape \(3,\)"):
        adlab.jvp(adlab.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="jvp: primals and tangents must be tuples"):
        adlab.jvp(adlab.sin, 1.0, 1.0)
    with pytest.raises(ValueError, match="argnums=2"):
        adlab.grad(adlab.sin, argnums=2)(1.0)
    _, vjp_fn = adlab.vjp(adlab.sin, np.ones(3))
    with pytest.raises(ValueError, match=r"vjp: the cotangent has shape \(2,\)"):
        vjp_fn(np.ones(2))


def test_backward_errors(x):
    y = x * x
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert "gradient=" in str(info.value) and ".sum()" in str(info.value)
    with pytest.raises(ValueError, match=r"gradient has shape \(4,\) but the tensor has shape \(3,\)"):
        y.backward(gradient=np.ones(4))
    s = y.sum()
    s.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        s.backward()


def test_numpy_conversion_of_a_tensor_that_requires_grad(x):
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        x.numpy()
    with pytest.raises(TypeError, match="detach"):
        np.asarray(x * 2)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"item: .*shape \(3,\)"):
        x.item()
