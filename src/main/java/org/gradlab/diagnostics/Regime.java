package org.gradlab.diagnostics;

/**
 * Which function of the weights (or of the input) a spectral measurement ({@link Sharpness},
 * {@link JacobianSpectrum}) differentiates. Either way it works on a float64 copy of the model, so
 * the model's own mode, generators and buffers are never touched.
 */
public enum Regime {
    /**
     * Evaluation mode: dropout is the identity and BatchNorm normalises with its running statistics,
     * so the loss is a deterministic function of the weights and every example is independent. The
     * usual choice (the Hessian of the deterministic loss), and the default.
     */
    EVALUATION,
    /**
     * Training mode: BatchNorm normalises with the batch's own statistics (which couples the
     * examples), and each dropout layer applies one mask, frozen for the whole measurement: the
     * mask drawn from a copy of the layer's generator as it stands, i.e. the one its next training
     * forward pass on a batch of this shape would draw. The loss is then the training loss of that
     * one mask.
     */
    TRAINING
}
