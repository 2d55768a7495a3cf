# The service: built and published in the .NET SDK image, run on the ASP.NET Core runtime.
#   gpu (default): CUDA 13 + cuDNN 9 runtime libraries underneath, so ONNX Runtime's CUDA provider loads
#   cpu:           the plain ASP.NET Core image without the CUDA provider (about a tenth of the size)
# Base images are build arguments, so a registry mirror or local stand-ins can replace them.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG CUDA_IMAGE=nvidia/cuda:13.0.2-cudnn-runtime-ubuntu24.04

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Restore first, from the project files alone, so source edits reuse the restored layer.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Pix2Pix.Contracts/Pix2Pix.Contracts.csproj src/Pix2Pix.Contracts/
COPY src/Pix2Pix.Api/Pix2Pix.Api.csproj src/Pix2Pix.Api/
RUN dotnet restore src/Pix2Pix.Api/Pix2Pix.Api.csproj
COPY src/Pix2Pix.Contracts/ src/Pix2Pix.Contracts/
COPY src/Pix2Pix.Api/ src/Pix2Pix.Api/
RUN dotnet publish src/Pix2Pix.Api/Pix2Pix.Api.csproj -c Release --no-restore -o /app \
 && mkdir -p /app-cpu && cp -a /app/. /app-cpu/ \
 && rm -f /app-cpu/libonnxruntime_providers_cuda.so /app-cpu/libonnxruntime_providers_tensorrt.so

FROM ${ASPNET_IMAGE} AS aspnet

# --- GPU: the ASP.NET Core runtime copied onto NVIDIA's CUDA runtime image -------------------------------
FROM ${CUDA_IMAGE} AS gpu
COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet \
    PATH=/usr/share/dotnet:$PATH \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    ASPNETCORE_HTTP_PORTS=8080 \
    Inference__ModelsFolder=/app/models
WORKDIR /app
COPY --from=build /app/ ./
COPY models/ ./models/
USER 1654
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=6s --start-period=60s --retries=3 CMD ["dotnet", "/app/Pix2Pix.Api.dll", "--probe"]
ENTRYPOINT ["dotnet", "/app/Pix2Pix.Api.dll"]

# --- CPU: the ASP.NET Core image alone -----------------------------------------------------------------
FROM ${ASPNET_IMAGE} AS cpu
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Inference__ModelsFolder=/app/models \
    Inference__UseCuda=false
WORKDIR /app
COPY --from=build /app-cpu/ ./
COPY models/ ./models/
USER 1654
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=6s --start-period=60s --retries=3 CMD ["dotnet", "/app/Pix2Pix.Api.dll", "--probe"]
ENTRYPOINT ["dotnet", "/app/Pix2Pix.Api.dll"]

# Without --target, a build makes the GPU image.
FROM gpu
