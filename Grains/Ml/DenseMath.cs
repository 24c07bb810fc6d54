using System.Runtime.CompilerServices;
using SimdVector = System.Numerics.Vector<double>;

namespace OrleansMl.Ml;

/// <summary>
/// The two vector kernels of the closed-form learners' passes over rows (<see cref="LeastSquares"/>, <see cref="KernelRidge"/>),
/// compiled optimized at once. <c>TensorPrimitives</c> has them, but its generic code starts unoptimized and is promoted
/// only after the runtime has seen no new method for a while, which a training (ML.NET compiling its own code as it goes)
/// keeps postponing: one kernel ridge fit's 63,000 dot products of 266 numbers took 40 ms through it and 1.6 ms once
/// promoted (profiled). These use the machine's widest vectors from the first call.
/// </summary>
internal static class DenseMath
{
    /// <summary>The dot product of two spans of the same length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("The spans differ in length.", nameof(y));
        }

        var width = SimdVector.Count;
        var sums = SimdVector.Zero;
        var i = 0;
        for (; i <= x.Length - width; i += width)
        {
            sums += new SimdVector(x[i..]) * new SimdVector(y[i..]);
        }

        var sum = System.Numerics.Vector.Sum(sums);
        for (; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary><c>y += a · x</c>, element by element, over spans of the same length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(ReadOnlySpan<double> x, double a, Span<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("The spans differ in length.", nameof(y));
        }

        var width = SimdVector.Count;
        var scale = new SimdVector(a);
        var i = 0;
        for (; i <= x.Length - width; i += width)
        {
            (new SimdVector(y[i..]) + (scale * new SimdVector(x[i..]))).CopyTo(y[i..]);
        }

        for (; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }
}
