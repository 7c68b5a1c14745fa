package org.gradlab.host;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * JavaCPP pointers at the start of an ND4J array's memory, made in Java from the buffer's address
 * field. {@code DataBuffer.addressPointer()} asks the native library for the address and wraps it
 * through JNI (about 0.1 us a call, as much as a small gemm's own overhead), and a training step
 * hands dozens of arrays to OpenBLAS and copies as many, so the kernels take their pointers here.
 * Only for arrays that start at their buffer's start ({@code a.offset() == 0}), as the callers
 * check: a buffer's address is that of its first element then, its own or its parent's.
 */
final class Address {
    private Address() {
    }

    /** A float pointer at {@code a}'s first element. */
    static FloatPointer floats(INDArray a) {
        return new Floats(a.data().address());
    }

    /** A double pointer at {@code a}'s first element. */
    static DoublePointer doubles(INDArray a) {
        return new Doubles(a.data().address());
    }

    /** A FloatPointer at a raw address (the field is protected: a subclass sets it without native code). */
    private static final class Floats extends FloatPointer {
        Floats(long at) {
            address = at;
        }
    }

    /** A DoublePointer at a raw address. */
    private static final class Doubles extends DoublePointer {
        Doubles(long at) {
            address = at;
        }
    }
}
