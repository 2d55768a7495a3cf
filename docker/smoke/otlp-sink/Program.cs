// A minimal OTLP/gRPC receiver: accepts trace, metric and log exports on one HTTP/2 port, answers each with an
// empty gRPC success, and prints one line per export ("traces: 3 spans: POST /translate, inference, ...") so the
// compose smoke test can see that the service's telemetry arrived.
using System.Buffers.Binary;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;

var port = int.TryParse(Environment.GetEnvironmentVariable("SINK_PORT"), out var p) ? p : 18889;
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http2));
var app = builder.Build();

app.MapPost("/opentelemetry.proto.collector.{signal}.v1.{service}/Export", async (HttpContext context, string signal) =>
{
    using var body = new MemoryStream();
    await context.Request.Body.CopyToAsync(body);
    var message = GrpcFrame.Payload(body.ToArray());
    var line = signal == "trace" ? $"traces: {Describe(SpanNames(message))}" : $"{signal}: {message.Length} bytes";
    Console.WriteLine(line);
    context.Response.ContentType = "application/grpc";
    await context.Response.Body.WriteAsync(new byte[5]); // one empty message: not compressed, length 0
    context.Response.AppendTrailer("grpc-status", "0");
});
Console.WriteLine($"OTLP sink listening on {port} (gRPC)");
app.Run();

static string Describe(List<string> names) => $"{names.Count} spans: {string.Join(", ", names.Distinct())}";

// ExportTraceServiceRequest: resource_spans (1) → scope_spans (2) → spans (2) → name (5).
static List<string> SpanNames(ReadOnlySpan<byte> request)
{
    var names = new List<string>();
    foreach (var resourceSpans in Wire.Fields(request, 1))
    foreach (var scopeSpans in Wire.Fields(resourceSpans, 2))
    foreach (var span in Wire.Fields(scopeSpans, 2))
    foreach (var name in Wire.Fields(span, 5)) names.Add(Encoding.UTF8.GetString(name));
    return names;
}

static class GrpcFrame
{
    // A unary gRPC request body: 1 byte compressed flag, 4 bytes big-endian length, the message.
    public static byte[] Payload(byte[] frame) =>
        frame.Length < 5 ? [] : frame.AsSpan(5, (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(1)), frame.Length - 5)).ToArray();
}

static class Wire
{
    /// <summary>The length-delimited fields numbered <paramref name="number"/> of a protobuf message.</summary>
    public static List<byte[]> Fields(ReadOnlySpan<byte> message, int number)
    {
        var found = new List<byte[]>();
        var at = 0;
        while (at < message.Length)
        {
            var key = Varint(message, ref at);
            var (field, type) = ((int)(key >> 3), (int)(key & 7));
            switch (type)
            {
                case 0: Varint(message, ref at); break;
                case 1: at += 8; break;
                case 5: at += 4; break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    if (length < 0 || at + length > message.Length) return found;
                    if (field == number) found.Add(message.Slice(at, length).ToArray());
                    at += length;
                    break;
                default: return found; // groups or garbage: stop reading
            }
        }

        return found;
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; at < data.Length && shift < 64; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) break;
        }

        return value;
    }
}
