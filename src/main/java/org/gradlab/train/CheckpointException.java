package org.gradlab.train;

import java.io.IOException;

/** A checkpoint that cannot be read or does not fit the trainer; the message names the file and the problem. */
public final class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
