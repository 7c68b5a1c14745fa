package org.gradlab.experiment.spec;

/**
 * A spec or result that does not decode: the message is one line naming where in the document
 * ({@code "optimizer.momentum"}, {@code "gradients[1].maxNorm"}) and what was expected.
 */
public final class SpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SpecException(String message) {
        super(message);
    }
}
