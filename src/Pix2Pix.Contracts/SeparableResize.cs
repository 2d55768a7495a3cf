using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;

namespace Pix2Pix.Contracts;

/// <summary>
/// A bicubic resize (<see cref="ResampleAxis"/>) of rows of pixels, four floats each, read and written a row at a time so
/// that nothing the size of a whole picture is held. The cheap pass, whole rows weighted and added a vector at a time, runs
/// on the larger number of rows; the dear one, pixel by pixel along a row, on the smaller.
/// </summary>
internal static class SeparableResize
{
    public delegate void RowReader(int y, Span<Vector4> row);

    public delegate void RowWriter(int y, Span<Vector4> row);

    public static void Run(Size source, Size destination, RowReader read, RowWriter write)
    {
        var columns = ResampleAxis.Between(source.Width, destination.Width);
        var rows = ResampleAxis.Between(source.Height, destination.Height);
        if (destination.Height <= source.Height) DownFirst(source, destination, columns, rows, read, write);
        else AcrossFirst(source, destination, columns, rows, read, write);
    }

    // Rows shrink or keep their number: each destination row is blended from a sliding window of source rows, then resampled
    // along. Row r of the window lives in slot r mod taps: the window only moves down, so a row it drops is never read again.
    // An axis that keeps its size is passed through.
    private static void DownFirst(Size source, Size destination, ResampleAxis columns, ResampleAxis rows, RowReader read, RowWriter write)
    {
        var taps = rows.Taps;
        var window = ArrayPool<Vector4>.Shared.Rent(taps * source.Width);
        var blended = ArrayPool<Vector4>.Shared.Rent(source.Width);
        var output = ArrayPool<Vector4>.Shared.Rent(destination.Width);
        var held = new int[taps];
        Array.Fill(held, -1);
        try
        {
            for (var y = 0; y < destination.Height; y++)
            {
                var sum = blended.AsSpan(0, source.Width);
                if (rows.IsIdentity)
                {
                    read(y, sum);
                }
                else
                {
                    var weights = rows.WeightsOf(y);
                    sum.Clear();
                    for (var k = 0; k < taps; k++)
                    {
                        if (weights[k] == 0) continue;
                        var row = rows.FirstOf(y) + k;
                        var slot = window.AsSpan(row % taps * source.Width, source.Width);
                        if (held[row % taps] != row)
                        {
                            read(row, slot);
                            held[row % taps] = row;
                        }

                        AddWeighted(slot, weights[k], sum);
                    }
                }

                if (columns.IsIdentity)
                {
                    write(y, sum);
                    continue;
                }

                Along(sum, columns, output.AsSpan(0, destination.Width));
                write(y, output.AsSpan(0, destination.Width));
            }
        }
        finally
        {
            ArrayPool<Vector4>.Shared.Return(window);
            ArrayPool<Vector4>.Shared.Return(blended);
            ArrayPool<Vector4>.Shared.Return(output);
        }
    }

    // Rows grow in number: every source row is resampled along first (there are fewer of them), then blended into each
    // destination row.
    private static void AcrossFirst(Size source, Size destination, ResampleAxis columns, ResampleAxis rows, RowReader read, RowWriter write)
    {
        var across = ArrayPool<Vector4>.Shared.Rent(source.Height * destination.Width);
        var line = ArrayPool<Vector4>.Shared.Rent(source.Width);
        var blended = ArrayPool<Vector4>.Shared.Rent(destination.Width);
        try
        {
            for (var y = 0; y < source.Height; y++)
            {
                read(y, line.AsSpan(0, source.Width));
                Along(line.AsSpan(0, source.Width), columns, across.AsSpan(y * destination.Width, destination.Width));
            }

            for (var y = 0; y < destination.Height; y++)
            {
                var weights = rows.WeightsOf(y);
                var sum = blended.AsSpan(0, destination.Width);
                sum.Clear();
                for (var k = 0; k < weights.Length; k++)
                {
                    if (weights[k] != 0) AddWeighted(across.AsSpan((rows.FirstOf(y) + k) * destination.Width, destination.Width), weights[k], sum);
                }

                write(y, sum);
            }
        }
        finally
        {
            ArrayPool<Vector4>.Shared.Return(across);
            ArrayPool<Vector4>.Shared.Return(line);
            ArrayPool<Vector4>.Shared.Return(blended);
        }
    }

    private static void AddWeighted(ReadOnlySpan<Vector4> row, float weight, Span<Vector4> sum)
    {
        var total = MemoryMarshal.Cast<Vector4, float>(sum);
        TensorPrimitives.MultiplyAdd(MemoryMarshal.Cast<Vector4, float>(row), weight, total, total);
    }

    // One row resampled along the axis: each destination pixel the weighted sum of its source pixels.
    private static void Along(ReadOnlySpan<Vector4> source, ResampleAxis axis, Span<Vector4> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            var weights = axis.WeightsOf(i);
            var taps = source.Slice(axis.FirstOf(i), weights.Length);
            var total = Vector4.Zero;
            for (var k = 0; k < taps.Length; k++) total += taps[k] * weights[k];
            destination[i] = total;
        }
    }
}
