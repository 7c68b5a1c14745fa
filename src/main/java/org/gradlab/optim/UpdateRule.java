package org.gradlab.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How one parameter tensor is updated from its gradient, PyTorch's per-tensor algorithm.
 * {@code S} is the per-parameter state, a record (buffers and step count) that a checkpoint can
 * save; {@link #apply} updates the parameter in place and returns the next state.
 *
 * @param <S> the per-parameter state record
 */
public interface UpdateRule<S extends Record> {

    /** The state before the first step. */
    S init(INDArray param);

    /** One step at learning rate {@code lr}: updates {@code param} in place, returns the new state. */
    S apply(INDArray param, INDArray grad, S state, double lr);

    /** The same rule with another weight decay, e.g. 0 for biases and normalisation parameters. */
    UpdateRule<S> withWeightDecay(double weightDecay);

    /**
     * The same rule with another momentum (SGD's momentum, RMSprop's momentum, Adam's beta1), for
     * schedules that cycle it ({@link org.gradlab.schedule.Schedule#momentumAt}).
     */
    default UpdateRule<S> withMomentum(double momentum) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no momentum to cycle; "
                + "use the schedule's withoutMomentumCycling()");
    }
}
