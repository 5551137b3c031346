"""Dive into Deep Learning's from-scratch chapters, run with ``import adlab as torch``.

A port, in our own words, of the PyTorch code of d2l.ai (Aston Zhang, Zachary C. Lipton,
Mu Li and Alexander J. Smola, *Dive into Deep Learning*, https://d2l.ai):

* 2.5 "Automatic Differentiation" (its examples and first exercise);
* 3.2 "Linear Regression Implementation from Scratch" (3.4 in the 1.0 edition);
* 3.6 "Implementation of Softmax Regression from Scratch" (4.2 in the 1.0 edition);
* 4.2 "Implementation of Multilayer Perceptrons from Scratch" (5.2 in the 1.0 edition),
  with 4.1's plots of the activation functions' derivatives.

The chapters' code is kept as the book writes it: other projects' code is a good mirror of
an API that claims to be PyTorch-like. What needs the network (Fashion-MNIST) is replaced
by generated data; where the book uses a class of torch.nn or torch.optim, the from-scratch
function the book defines earlier stands in, and a comment says so. ``print`` and plots
became assertions on the numbers they show.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import adlab as torch


# -- 2.5 Automatic Differentiation ----------------------------------------------------------


def test_d2l_2_5_simple_function():
    """d2l 2.5.1: y = 2 x^T x has gradient 4x; a second function needs x.grad.zero_()."""
    x = torch.arange(4.0)
    x.requires_grad_(True)  # or x = torch.arange(4.0, requires_grad=True)
    assert x.grad is None  # the gradient is None by default

    y = 2 * torch.dot(x, x)
    assert float(y) == 28.0
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 4.0, 8.0, 12.0])
    assert (x.grad == 4 * x).all()

    # PyTorch accumulates the gradient by default: clear the previous values
    x.grad.zero_()
    y = x.sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0, 1.0])


def test_d2l_2_5_backward_for_non_scalar_variables():
    """d2l 2.5.2: y = x * x; y.sum().backward(), or y.backward(gradient=ones), gives 2x."""
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    y.sum().backward()  # 0.17 edition
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 4.0, 6.0])

    x.grad.zero_()
    y = x * x
    y.backward(gradient=torch.ones(len(y)))  # 1.0 edition; faster: y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 4.0, 6.0])
    assert (x.grad == 2 * x).all()


def test_d2l_2_5_detaching_computation():
    """d2l 2.5.3: u = y.detach() is a constant, so z = u * x has gradient u; y keeps its graph."""
    x = torch.arange(4.0, requires_grad=True)
    x.grad = None
    y = x * x
    u = y.detach()
    z = u * x

    z.sum().backward()
    assert (x.grad == u).all()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 4.0, 9.0])

    x.grad.zero_()
    y.sum().backward()
    assert (x.grad == 2 * x).all()


def _d2l_f(a):
    # d2l 2.5.4's function with a while loop and an if, whose number of doublings depends on a
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_d2l_2_5_python_control_flow(seed):
    """d2l 2.5.4: f is linear in a (piecewise), so d = f(a) has gradient d / a."""
    torch.manual_seed(seed)
    a = torch.randn(size=(), requires_grad=True)
    d = _d2l_f(a)
    d.backward()
    assert a.grad == d / a
    assert math.isclose(float(a.grad), float(d) / float(a), rel_tol=1e-15)


def test_d2l_2_5_control_flow_on_a_vector():
    """d2l 2.5's exercise: the same f with a vector a; its Jacobian is diagonal, d / a."""
    a = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
    d = _d2l_f(a)
    with pytest.raises(RuntimeError, match="gradient="):  # d is not a scalar
        d.backward()
    d.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), (d / a).detach().numpy(), rtol=1e-15)


def test_d2l_2_5_exercise_backward_twice_needs_retain_graph():
    """d2l 2.5's exercise: "run the backward function twice and see what happens"."""
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()

    x.grad.zero_()
    y = 2 * torch.dot(x, x)
    y.backward(retain_graph=True)
    y.backward()
    assert (x.grad == 8 * x).all()


def test_d2l_2_5_exercise_derivative_of_sin():
    """d2l 2.5's exercise: plot f(x) = sin(x) and df/dx without using that f'(x) = cos(x)."""
    x = torch.linspace(-5, 5, 100, requires_grad=True)
    y = torch.sin(x)
    y.backward(torch.ones_like(x))
    np.testing.assert_allclose(x.grad.numpy(), np.cos(x.detach().numpy()), rtol=1e-15)


# -- 3.2 Linear Regression Implementation from Scratch ------------------------------------


def synthetic_data(w, b, num_examples):
    """Generate y = Xw + b + noise (d2l 3.2.1's synthetic_data)."""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def data_iter(batch_size, features, labels):
    """d2l 3.2.2: read minibatches at random."""
    num_examples = len(features)
    indices = list(range(num_examples))
    # the examples are read at random, in no particular order
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


def linreg(X, w, b):
    """The linear regression model (d2l 3.2.4)."""
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Squared loss (d2l 3.2.5)."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent (d2l 3.2.6)."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def test_d2l_3_2_generating_and_reading_the_dataset():
    """d2l 3.2.1-3.2.2: features (1000, 2), labels (1000, 1); data_iter covers every example."""
    torch.manual_seed(0)
    random.seed(0)
    true_w = torch.tensor([2, -3.4])
    true_b = 4.2
    features, labels = synthetic_data(true_w, true_b, 1000)
    assert features.shape == (1000, 2) and labels.shape == (1000, 1)
    residual = labels.reshape(-1) - (torch.matmul(features, true_w) + true_b)
    assert 0.005 < float(residual.std()) < 0.015  # the noise, sigma = 0.01
    # d2l.plt.scatter(features[:, (1)].detach().numpy(), labels.detach().numpy(), 1)
    np.testing.assert_array_equal(features[:, (1)].detach().numpy(),
                                  features.detach().numpy()[:, 1])
    assert labels.detach().numpy().shape == (1000, 1)

    batch_size = 10
    seen = 0
    for X, y in data_iter(batch_size, features, labels):
        assert X.shape == (10, 2) and y.shape == (10, 1)
        seen += len(y)
    assert seen == 1000


def test_d2l_3_2_training_recovers_true_w_and_b():
    """d2l 3.2.3-3.2.7: three epochs of minibatch SGD recover true_w and true_b."""
    torch.manual_seed(0)
    random.seed(0)
    true_w = torch.tensor([2, -3.4])
    true_b = 4.2
    features, labels = synthetic_data(true_w, true_b, 1000)

    batch_size = 10
    w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    lr = 0.03
    num_epochs = 3
    net = linreg
    loss = squared_loss

    epoch_losses = []
    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels):
            l = loss(net(X, w, b), y)  # minibatch loss in X and y  # noqa: E741
            # compute the gradient of l with respect to [w, b]
            l.sum().backward()
            sgd([w, b], lr, batch_size)  # update the parameters with their gradients
        with torch.no_grad():
            train_l = loss(net(features, w, b), labels)
            epoch_losses.append(float(train_l.mean()))

    # the book prints "epoch 1, loss 0.0xx ... epoch 3, loss 0.00005x"
    assert epoch_losses[0] < 0.1
    assert epoch_losses[-1] < 1e-3
    assert epoch_losses == sorted(epoch_losses, reverse=True)
    # 'error in estimating w / b' are of the order of the noise
    error_w = true_w - w.reshape(true_w.shape)
    error_b = true_b - b
    assert float(abs(error_w).max()) < 5e-3, error_w
    assert float(abs(error_b).max()) < 5e-3, error_b
    assert w.grad is not None and (w.grad == 0).all()  # sgd zeroed it after the last step


class SGD:
    """Minibatch SGD as the 1.0 edition's 3.4.3 writes it (a d2l.HyperParameters there)."""

    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


def test_d2l_3_4_linear_regression_scratch_1_0_edition():
    """d2l 1.0 3.4: LinearRegressionScratch (w ~ N(0, 0.01), b = 0), loss l.mean(), SGD class.

    The 1.0 edition's Trainer calls ``loss.backward()`` and ``optim.step()`` inside
    ``with torch.no_grad()``; it and its DataModule are written out here as the loop they run.
    """
    torch.manual_seed(1)
    random.seed(1)
    true_w, true_b = torch.tensor([2, -3.4]), 4.2
    X_all, y_all = synthetic_data(true_w, true_b, 1000)

    num_inputs, lr, sigma = 2, 0.03, 0.01
    w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    def forward(X):
        return torch.matmul(X, w) + b

    def loss(y_hat, y):
        l = (y_hat - y) ** 2 / 2  # noqa: E741
        return l.mean()

    optim = SGD([w, b], lr)
    first = float(loss(forward(X_all), y_all))
    for epoch in range(3):
        for X, y in data_iter(32, X_all, y_all):
            l = loss(forward(X), y)  # noqa: E741
            optim.zero_grad()
            with torch.no_grad():  # d2l 1.0's Trainer.fit_epoch runs both in no_grad
                l.backward()
                optim.step()
    with torch.no_grad():
        last = float(loss(forward(X_all), y_all))
    # the book's 3 epochs of 32 steps on the mean loss get within about 0.1 to 0.2 of the
    # truth ('error in estimating w: tensor([ 0.1408, -0.1493])' in the 1.0 edition)
    assert last < first / 50, (first, last)
    np.testing.assert_allclose(w.detach().numpy().ravel(), [2, -3.4], atol=0.3)
    assert abs(float(b) - true_b) < 0.3


# -- 3.6 Implementation of Softmax Regression from Scratch ---------------------------------


def synthetic_images(num_examples, num_classes=10, shape=(1, 4, 4), seed=0):
    """Stand-in for Fashion-MNIST (no network here): Gaussian blobs shaped like small images.

    Each class has a random mean image; an example is its class's mean plus N(0, 1) noise.
    Images are float32 and labels int64, as torchvision's ToTensor and FashionMNIST give them.
    """
    rng = np.random.default_rng(seed)
    means = rng.normal(0.0, 1.0, (num_classes,) + shape)
    labels = rng.integers(0, num_classes, num_examples)
    images = means[labels] + rng.normal(0.0, 1.0, (num_examples,) + shape)
    return torch.tensor(images.astype(np.float32)), torch.tensor(labels.astype(np.int64))


class DataLoader:
    """Stand-in for torch.utils.data.DataLoader: 3.2's data_iter, which can be iterated again."""

    def __init__(self, features, labels, batch_size):
        self.features, self.labels, self.batch_size = features, labels, batch_size

    def __iter__(self):
        return data_iter(self.batch_size, self.features, self.labels)


def load_data(batch_size, num_train=2000, num_test=1000):
    """Stand-in for d2l.load_data_fashion_mnist: (train_iter, test_iter) of synthetic images."""
    X, y = synthetic_images(num_train + num_test)
    return (DataLoader(X[:num_train], y[:num_train], batch_size),
            DataLoader(X[num_train:], y[num_train:], batch_size))


def softmax(X):
    """d2l 3.6.2: exponentiate, sum each row, divide."""
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # the broadcasting mechanism is applied here


def cross_entropy(y_hat, y):
    """d2l 3.6.4: minus the log of the probability predicted for the true label."""
    return - torch.log(y_hat[range(len(y_hat)), y])


def accuracy(y_hat, y):
    """Compute the number of correct predictions (d2l 3.6.5)."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


class Accumulator:
    """For accumulating sums over n variables (d2l 3.6.5)."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def evaluate_accuracy(net, data_iter):
    """Compute the accuracy for a model on a dataset (d2l 3.6.5).

    The book first asks ``isinstance(net, torch.nn.Module)`` to call ``net.eval()``; a
    from-scratch net is a function, so that branch is left out (adlab has no torch.nn).
    """
    metric = Accumulator(2)  # no. of correct predictions, no. of predictions
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def train_epoch_ch3(net, train_iter, loss, updater):
    """Train a model for one epoch (d2l 3.6.6), with the book's from-scratch updater branch.

    The book's other branch (``isinstance(updater, torch.optim.Optimizer)``) serves the
    concise implementations and is left out, as is ``net.train()`` for torch.nn modules.
    """
    # sum of training loss, sum of training accuracy, no. of examples
    metric = Accumulator(3)
    for X, y in train_iter:
        # compute gradients and update parameters
        y_hat = net(X)
        l = loss(y_hat, y)  # noqa: E741
        # using the custom-built optimizer and loss criterion
        l.sum().backward()
        updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    # return training loss and training accuracy
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):
    """Train a model (d2l 3.6.6), with the book's own final assertions.

    The book's Animator plots the metrics; here they are kept in a list and returned.
    """
    history = []
    for epoch in range(num_epochs):
        train_metrics = train_epoch_ch3(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
        history.append(train_metrics + (test_acc,))
    train_loss, train_acc = train_metrics
    assert train_loss < 0.5, train_loss
    assert train_acc <= 1 and train_acc > 0.7, train_acc
    assert test_acc <= 1 and test_acc > 0.7, test_acc
    return history


def get_labels(labels):
    """Like d2l.get_fashion_mnist_labels: the text label of each numeric label."""
    text_labels = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat',
                   'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']
    return [text_labels[int(i)] for i in labels]


def test_d2l_3_6_softmax_and_its_rows():
    """d2l 3.6.2: X.sum(0/1, keepdim=True); softmax gives nonnegative rows summing to 1."""
    X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    s0, s1 = X.sum(0, keepdim=True), X.sum(1, keepdim=True)
    np.testing.assert_array_equal(s0.numpy(), [[5.0, 7.0, 9.0]])
    np.testing.assert_array_equal(s1.numpy(), [[6.0], [15.0]])

    torch.manual_seed(0)
    X = torch.normal(0, 1, (2, 5))
    X_prob = softmax(X)
    assert X_prob.shape == (2, 5)
    assert (X_prob >= 0).all()
    np.testing.assert_allclose(X_prob.sum(1).numpy(), [1.0, 1.0], rtol=1e-15)


def test_d2l_3_6_cross_entropy_and_accuracy_on_the_books_example():
    """d2l 3.6.4-3.6.5: y_hat[[0, 1], y] picks 0.1 and 0.5; the accuracy of the example is 0.5."""
    y = torch.tensor([0, 2])
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    np.testing.assert_array_equal(y_hat[[0, 1], y].numpy(), [0.1, 0.5])
    np.testing.assert_allclose(cross_entropy(y_hat, y).numpy(), [-math.log(0.1), -math.log(0.5)],
                               rtol=1e-15)
    assert accuracy(y_hat, y) / len(y) == 0.5


def test_d2l_3_6_gradient_of_softmax_cross_entropy_is_probabilities_minus_one_hot():
    """d2l 3.4.6 (4.1.2.3): d loss / d o_j = softmax(o)_j - y_j, checked through 3.6's code."""
    o = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], requires_grad=True)
    y = torch.tensor([2, 1])
    cross_entropy(softmax(o), y).sum().backward()
    p = np.exp(o.detach().numpy())
    p /= p.sum(1, keepdims=True)
    np.testing.assert_allclose(o.grad.numpy(), p - np.eye(3)[[2, 1]], rtol=1e-12, atol=1e-15)


def test_d2l_3_6_softmax_regression_trains():
    """d2l 3.6: W ~ N(0, 0.01), b = 0, net = softmax(XW + b), cross-entropy, sgd with lr 0.1.

    On generated 1x4x4 images of 10 classes (Fashion-MNIST would need the network). The loss
    falls from log(10) epoch after epoch and the accuracy ends far above the chance 0.1.
    """
    torch.manual_seed(0)
    random.seed(0)
    batch_size = 32
    train_iter, test_iter = load_data(batch_size)

    num_inputs = 16  # 28 * 28 = 784 for Fashion-MNIST
    num_outputs = 10
    W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
    b = torch.zeros(num_outputs, requires_grad=True)

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    # before training: about log(10) and about chance
    assert evaluate_accuracy(net, test_iter) < 0.3

    lr = 0.1

    def updater(batch_size):
        return sgd([W, b], lr, batch_size)

    num_epochs = 10
    history = train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs, updater)
    losses = [h[0] for h in history]
    assert losses[0] < math.log(10)
    assert losses[-1] < 0.7 * losses[0]
    assert all(nxt <= prev * 1.02 for prev, nxt in zip(losses, losses[1:]))  # SGD may wobble
    assert history[-1][2] > 0.85  # test accuracy; chance is 0.1

    # 3.6.7 Prediction
    for X, y in test_iter:
        break
    trues = get_labels(y)
    preds = get_labels(net(X).argmax(axis=1))
    assert len(trues) == len(preds) == batch_size
    assert sum(t == p for t, p in zip(trues, preds)) >= 0.7 * batch_size


def test_d2l_4_2_softmax_regression_scratch_1_0_edition():
    """d2l 1.0 4.2: keepdims=True, cross_entropy(...).mean(), d2l.Classifier.accuracy with
    ``.type(torch.float32)``, SoftmaxRegressionScratch trained by the Trainer's loop with 3.4's
    SGD (backward and step inside ``torch.no_grad()``), batch size 256, lr 0.1, 10 epochs.
    """
    X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    s0, s1 = X.sum(0, keepdims=True), X.sum(1, keepdims=True)
    assert s0.shape == (1, 3) and s1.shape == (2, 1)

    def softmax(X):
        X_exp = torch.exp(X)
        partition = X_exp.sum(1, keepdims=True)
        return X_exp / partition  # the broadcasting mechanism is applied here

    def cross_entropy(y_hat, y):
        return -torch.log(y_hat[list(range(len(y_hat))), y]).mean()

    def accuracy(Y_hat, Y, averaged=True):  # d2l.Classifier.accuracy
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        preds = Y_hat.argmax(axis=1).type(Y.dtype)
        compare = (preds == Y.reshape(-1)).type(torch.float32)
        return compare.mean() if averaged else compare

    y = torch.tensor([0, 2])
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    assert float(cross_entropy(y_hat, y)) == pytest.approx(-(math.log(0.1) + math.log(0.5)) / 2)
    assert float(accuracy(y_hat, y)) == 0.5

    torch.manual_seed(2)
    random.seed(2)
    X_all, y_all = synthetic_images(3000, seed=2)
    X_train, y_train, X_val, y_val = X_all[:2000], y_all[:2000], X_all[2000:], y_all[2000:]
    num_inputs, num_outputs, lr, sigma = 16, 10, 0.1, 0.01
    W = torch.normal(0, sigma, size=(num_inputs, num_outputs), requires_grad=True)
    b = torch.zeros(num_outputs, requires_grad=True)

    def forward(X):
        X = X.reshape((-1, W.shape[0]))
        return softmax(torch.matmul(X, W) + b)

    optim = SGD([W, b], lr)
    val_before = float(accuracy(forward(X_val), y_val))
    losses = []
    for epoch in range(10):
        for X, y in data_iter(256, X_train, y_train):
            loss = cross_entropy(forward(X), y)
            optim.zero_grad()
            with torch.no_grad():
                loss.backward()
                optim.step()
        with torch.no_grad():
            losses.append(float(cross_entropy(forward(X_train), y_train)))
    val_after = float(accuracy(forward(X_val), y_val))
    assert losses == sorted(losses, reverse=True)
    assert losses[-1] < 0.6 * math.log(10)
    assert val_before < 0.3 < 0.8 < val_after


# -- 4.1 Multilayer Perceptrons: the activation functions' derivatives ---------------------


def test_d2l_4_1_derivatives_of_relu_sigmoid_tanh():
    """d2l 4.1.2: x.grad after y.backward(torch.ones_like(x), retain_graph=True) for each."""
    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    xs = x.detach().numpy()

    y = torch.relu(x)
    y.backward(torch.ones_like(x), retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), (xs > 0).astype(float))

    # clear out previous gradients
    x.grad.data.zero_()
    y = torch.sigmoid(x)
    y.backward(torch.ones_like(x), retain_graph=True)
    s = 1 / (1 + np.exp(-xs))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s), rtol=1e-12)

    x.grad.data.zero_()
    y = torch.tanh(x)
    y.backward(torch.ones_like(x), retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), 1 - np.tanh(xs) ** 2, rtol=1e-12, atol=1e-15)


# -- 4.2 Implementation of Multilayer Perceptrons from Scratch -----------------------------


def Parameter(data):
    """What torch.nn.Parameter does to the book's tensors: a leaf that requires grad.

    ``torch.randn(..., requires_grad=True) * 0.01`` is not a leaf (it was made by a
    multiplication), so the book wraps it in nn.Parameter; this is that step from scratch.
    """
    return data.detach().requires_grad_(True)


def relu(X):
    """d2l 4.2.2: ReLU from scratch, elementwise torch.max against zeros."""
    a = torch.zeros_like(X)
    return torch.max(X, a)


def test_d2l_4_2_relu_from_scratch():
    """d2l 4.2.2: torch.max(X, zeros_like(X)) is ReLU, and its gradient the step function."""
    X = torch.tensor([[-1.0, 2.0], [0.5, -3.0]], requires_grad=True)
    H = relu(X)
    np.testing.assert_array_equal(H.detach().numpy(), [[0.0, 2.0], [0.5, 0.0]])
    H.sum().backward()
    np.testing.assert_array_equal(X.grad.numpy(), [[0.0, 1.0], [1.0, 0.0]])


def test_d2l_4_2_mlp_from_scratch_trains():
    """d2l 4.2: one hidden layer of 256 ReLUs, trained with 3.6's train_ch3 and sgd.

    The book's ``nn.CrossEntropyLoss(reduction='none')`` is 3.6's from-scratch
    ``cross_entropy(softmax(.))`` here, and ``torch.optim.SGD(params, lr)`` (which steps on the
    mean loss) is 3.6's ``updater`` over d2l.sgd (the sum of the losses, divided by the batch
    size): the same step.
    """
    torch.manual_seed(0)
    random.seed(0)
    batch_size = 32
    train_iter, test_iter = load_data(batch_size)

    num_inputs, num_outputs, num_hiddens = 16, 10, 256  # 784, 10, 256 in the book
    W1 = Parameter(torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01)
    b1 = Parameter(torch.zeros(num_hiddens, requires_grad=True))
    W2 = Parameter(torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01)
    b2 = Parameter(torch.zeros(num_outputs, requires_grad=True))
    params = [W1, b1, W2, b2]
    assert all(p.is_leaf and p.requires_grad for p in params)

    def net(X):
        X = X.reshape((-1, num_inputs))
        H = relu(X @ W1 + b1)  # here '@' stands for matrix multiplication
        return (H @ W2 + b2)

    def loss(y_hat, y):  # nn.CrossEntropyLoss(reduction='none'), from scratch
        return cross_entropy(softmax(y_hat), y)

    num_epochs, lr = 10, 0.1

    def updater(batch_size):  # torch.optim.SGD(params, lr=lr), from scratch
        return sgd(params, lr, batch_size)

    history = train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)
    losses = [h[0] for h in history]
    assert losses[0] > losses[-1]
    assert losses[-1] < 0.5
    assert history[-1][1] > 0.85 and history[-1][2] > 0.85  # chance is 0.1
    assert all(float(abs(p.grad).max()) == 0 for p in params)  # sgd zeroed them

    # d2l.predict_ch3(net, test_iter)
    for X, y in test_iter:
        break
    preds = get_labels(net(X).argmax(axis=1))
    assert sum(t == p for t, p in zip(get_labels(y), preds)) >= 0.7 * batch_size
