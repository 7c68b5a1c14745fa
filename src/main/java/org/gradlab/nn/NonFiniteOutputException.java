package org.gradlab.nn;

/** A forward pass produced NaN or infinity; the message names the layer that did ({@link OutputGuard}). */
public final class NonFiniteOutputException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    public NonFiniteOutputException(String message) {
        super(message);
    }
}
