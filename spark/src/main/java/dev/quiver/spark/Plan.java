package dev.quiver.spark;

import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.loss.Penalty;
import dev.quiver.dsl.optim.Optimizer;
import java.io.Serializable;

/**
 * What every task of one training run needs besides the weights: sent with the tasks, small.
 *
 * @param run names the run (replicas are cached per run on each executor)
 * @param architecture the model's architecture ({@code Models.architecture})
 * @param loss the objective
 * @param penalty an L1/L2 term on the weight matrices, or null
 * @param optimizer the update rule with its configuration only (local SGD's replicas step with a
 *     copy); null in synchronous training, where the driver steps
 * @param batch rows per partition per step
 * @param shuffle whether each partition shuffles its rows every epoch
 * @param seed the shuffling's seed
 */
record Plan(
    String run,
    String architecture,
    Loss loss,
    Penalty penalty,
    Optimizer optimizer,
    int batch,
    boolean shuffle,
    long seed)
    implements Serializable {}
