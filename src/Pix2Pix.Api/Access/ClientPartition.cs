using System.Net;
using System.Net.Sockets;

namespace Pix2Pix.Api.Access;

/// <summary>
/// Whose bucket a request draws from: the API key's identity when a valid key came with it, else the client's address.
/// An IPv6 client is counted by its /64, the block one subscriber or host gets, from which it can take a new address for
/// every request; an IPv4 client reaching an IPv6 socket (::ffff:a.b.c.d) is counted by its IPv4 address.
/// </summary>
public static class ClientPartition
{
    public static string Of(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : Of(context.Connection.RemoteIpAddress);

    public static string Of(IPAddress? address)
    {
        if (address is null) return "ip unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return $"ip {address}";
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"ip {new IPAddress(bytes)}/64";
    }
}
