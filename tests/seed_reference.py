"""The seed article's own logistic-regression code, minus the plotting: the reference run.

Kept as the article wrote it (its variable names, its order of random draws,
its loop), so that tests compare the package and tutorial 04 against the
original rather than against a re-implementation of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SeedRun:
    train_x: torch.Tensor
    train_y: torch.Tensor
    initial_weight: torch.Tensor
    initial_bias: torch.Tensor
    stop_iteration: int
    accuracy: float
    loss: float
    weight: torch.Tensor
    bias: torch.Tensor


def run_seed() -> SeedRun:
    """Run the seed's section 4 code (data, model, loss, optimizer, loop) without drawing."""
    torch.manual_seed(1)

    sample_nums = 100
    mean_value = 1.7
    bias = 1

    n_data = torch.ones(sample_nums, 2)
    x0 = torch.normal(mean_value * n_data, 1) + bias
    y0 = torch.zeros(sample_nums)
    x1 = torch.normal(-mean_value * n_data, 1) + bias
    y1 = torch.ones(sample_nums)

    train_x = torch.cat([x0, x1], 0)
    train_y = torch.cat([y0, y1], 0)

    class LR(torch.nn.Module):
        def __init__(self):
            super(LR, self).__init__()  # noqa: UP008 -- the seed's spelling
            self.features = torch.nn.Linear(2, 1)
            self.sigmoid = torch.nn.Sigmoid()

        def forward(self, x):
            x = self.features(x)
            x = self.sigmoid(x)
            return x

    lr_net = LR()
    initial_weight = lr_net.features.weight.detach().clone()
    initial_bias = lr_net.features.bias.detach().clone()

    loss_fn = torch.nn.BCELoss()
    lr = 0.01
    optimizer = torch.optim.SGD(lr_net.parameters(), lr=lr, momentum=0.9)

    for iteration in range(1000):
        y_pred = lr_net(train_x)
        loss = loss_fn(y_pred.squeeze(), train_y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if iteration % 20 == 0:
            mask = y_pred.ge(0.5).float().squeeze()
            correct = (mask == train_y).sum()
            acc = correct.item() / train_y.size(0)
            # (the seed draws the data, the boundary and the title here)
            if acc > 0.99:
                break

    return SeedRun(
        train_x=train_x,
        train_y=train_y,
        initial_weight=initial_weight,
        initial_bias=initial_bias,
        stop_iteration=iteration,
        accuracy=acc,
        loss=loss.item(),
        weight=lr_net.features.weight.detach().clone(),
        bias=lr_net.features.bias.detach().clone(),
    )
