using Pix2Pix.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Api.Tests;

/// <summary>
/// The letterbox resamples by itself, straight between pixels and the generator's values: what it gives must be what
/// ImageSharp's bicubic resize gives (to within a level of rounding), at every ratio a request brings.
/// </summary>
public class LetterboxTests
{
    [Theory]
    [InlineData(256, 256)]
    [InlineData(512, 512)]
    [InlineData(300, 200)]
    [InlineData(97, 251)]
    [InlineData(2000, 1999)]
    public void Fit_gives_the_values_of_ImageSharps_bicubic_resize_within_one_level(int width, int height) =>
        Assert.InRange(WorstFitAgainstImageSharp(width, height), 0f, 1f);

    [Fact]
    public void Fit_keeps_to_ImageSharps_resize_over_more_sizes_than_the_resampling_weights_kept_for_reuse()
    {
        // The resampling weights of recent sizes are kept and shared between requests (64 pairs, then the cache starts
        // again): every size must still get its own weights, the first one too after the cache has started over.
        var sizes = Enumerable.Range(0, 70).Select(i => (Width: 140 + 3 * i, Height: 200 - i)).Append((Width: 140, Height: 200)).ToArray();

        var worst = sizes.Max(size => WorstFitAgainstImageSharp(size.Width, size.Height));

        Assert.InRange(worst, 0f, 1f);
    }

    // The largest difference, in 8-bit levels, between Fit's values and ImageSharp's bicubic resize of a drawing of that size.
    private static float WorstFitAgainstImageSharp(int width, int height)
    {
        using var image = Drawing(width, height);
        var values = new float[3 * 128 * 128];

        var content = Letterbox.Fit(image, 128, values);

        Assert.Equal(Letterbox.ContentOf(image.Size(), 128), content);
        using var expected = image.Clone(c => c.Resize(content.Width, content.Height, KnownResamplers.Bicubic));
        var worst = 0f;
        for (var y = 0; y < content.Height; y++)
        {
            for (var x = 0; x < content.Width; x++)
            {
                var i = (content.Y + y) * 128 + content.X + x;
                var p = expected[x, y];
                worst = Math.Max(worst, Levels(values[i], p.R));
                worst = Math.Max(worst, Levels(values[128 * 128 + i], p.G));
                worst = Math.Max(worst, Levels(values[2 * 128 * 128 + i], p.B));
            }
        }

        return worst;
    }

    [Theory]
    [InlineData(256, 256, 3)]
    [InlineData(300, 200, 3)]
    [InlineData(61, 131, 3)]
    [InlineData(128, 128, 3)]
    [InlineData(300, 200, 1)]
    [InlineData(1, 4096, 1)]
    public void Fit_writes_every_value_of_its_destination_whatever_was_there_before(int width, int height, int channels)
    {
        // The service hands Fit a pooled buffer that still holds an earlier request's values: a value Fit leaves alone
        // would reach the model.
        using var image = Drawing(width, height);
        var values = new float[channels * 128 * 128 + 5];
        Array.Fill(values, float.NaN);

        Letterbox.Fit(image, 128, values.AsMemory(0, channels * 128 * 128), channels);

        Assert.Equal(-1, Array.FindIndex(values, 0, channels * 128 * 128, float.IsNaN));
        Assert.All(values[(channels * 128 * 128)..], v => Assert.True(float.IsNaN(v), "Fit wrote past its slice"));
    }

    [Fact]
    public void Fit_pads_a_picture_that_is_not_square_with_its_border_colour_and_centres_it()
    {
        using var wide = new Image<Rgb24>(256, 64, new Rgb24(10, 20, 30));
        var values = new float[3 * 128 * 128];

        var content = Letterbox.Fit(wide, 128, values);

        Assert.Equal(new Rectangle(0, 48, 128, 32), content);
        Assert.Equal(PixelConventions.ToValue(10), values[0]);                                  // top-left corner: padding
        Assert.Equal(PixelConventions.ToValue(30), values[2 * 128 * 128 + 127 * 128 + 127]);   // bottom-right corner, blue
        Assert.Equal(PixelConventions.ToValue(20), values[128 * 128 + 64 * 128 + 64], 4);       // the middle: the picture
    }

    [Fact]
    public void At_the_native_size_fit_and_restore_change_no_value()
    {
        using var image = Drawing(128, 128);
        var values = new float[3 * 128 * 128];

        var content = Letterbox.Fit(image, 128, values);
        using var back = Letterbox.Restore(values, 3, 128, content, image.Size());

        Assert.Equal(PixelConventions.ToPlanar(image), values);
        for (var y = 0; y < 128; y += 3)
        {
            for (var x = 0; x < 128; x += 5) Assert.Equal(image[x, y], back[x, y]);
        }
    }

    [Theory]
    [InlineData(256, 256)]
    [InlineData(512, 512)]
    [InlineData(300, 200)]
    [InlineData(131, 61)]
    public void Restore_gives_the_pixels_of_ImageSharps_crop_and_bicubic_resize_within_one_level(int width, int height)
    {
        using var translation = Drawing(128, 128);
        var values = PixelConventions.ToPlanar(translation);
        var content = Letterbox.ContentOf(new Size(width, height), 128);

        using var restored = Letterbox.Restore(values, 3, 128, content, new Size(width, height));

        using var expected = translation.Clone(c => c.Crop(content).Resize(width, height, KnownResamplers.Bicubic));
        Assert.Equal((width, height), (restored.Width, restored.Height));
        var worst = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (a, b) = (restored[x, y], expected[x, y]);
                worst = Math.Max(worst, Math.Max(Math.Abs(a.R - b.R), Math.Max(Math.Abs(a.G - b.G), Math.Abs(a.B - b.B))));
            }
        }

        Assert.InRange(worst, 0, 1);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4096, 1)]
    [InlineData(1, 300)]
    [InlineData(3, 4096)]
    [InlineData(129, 127)]
    public void A_flat_picture_of_any_shape_stays_flat_both_ways(int width, int height)
    {
        var colour = new Rgb24(30, 140, 220);
        using var image = new Image<Rgb24>(width, height, colour);
        var values = new float[3 * 128 * 128];

        var content = Letterbox.Fit(image, 128, values);
        using var back = Letterbox.Restore(values, 3, 128, content, image.Size());

        Assert.All(values.Take(128 * 128), v => Assert.Equal(PixelConventions.ToValue(colour.R), v, 4));
        Assert.All(values.Skip(2 * 128 * 128), v => Assert.Equal(PixelConventions.ToValue(colour.B), v, 4));
        for (var y = 0; y < height; y += Math.Max(1, height / 7))
        {
            for (var x = 0; x < width; x += Math.Max(1, width / 7)) Assert.Equal(colour, back[x, y]);
        }
    }

    [Fact]
    public void One_channel_goes_in_as_luminance_and_comes_back_grey()
    {
        using var image = new Image<Rgb24>(256, 256, new Rgb24(200, 100, 50));
        var values = new float[128 * 128];

        var content = Letterbox.Fit(image, 128, values, channels: 1);
        using var back = Letterbox.Restore(values, 1, 128, content, image.Size());

        var luma = (200 * 299 + 100 * 587 + 50 * 114) / 1000f;
        Assert.All(values, v => Assert.Equal(PixelConventions.ToValue(luma), v, 3));
        var grey = (byte)MathF.Round(luma);
        Assert.Equal(new Rgb24(grey, grey, grey), back[100, 100]);
    }

    [Fact]
    public void Values_outside_the_range_are_clamped_to_black_and_white()
    {
        var values = Enumerable.Repeat(3f, 3 * 8 * 8).ToArray();
        values[0] = -5f;

        using var back = Letterbox.Restore(values, 3, 8, new Rectangle(0, 0, 8, 8), new Size(8, 8));

        Assert.Equal(new Rgb24(0, 255, 255), back[0, 0]);
        Assert.Equal(new Rgb24(255, 255, 255), back[7, 7]);
    }

    // Coloured shapes with hard edges on white: where resamplers differ most.
    private static Image<Rgb24> Drawing(int width, int height)
    {
        var image = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if ((x / 7 + y / 5) % 3 == 0) image[x, y] = new Rgb24((byte)(x * 255 / width), 40, (byte)(y * 255 / height));
                if (Math.Abs(x - y) < 2) image[x, y] = new Rgb24(0, 0, 0);
            }
        }

        return image;
    }

    private static float Levels(float value, byte level) => Math.Abs((value + 1f) * 127.5f - level);
}
