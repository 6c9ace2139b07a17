-- Purpose: defence in depth for the viewer's DICOMweb proxy. The sidecar's proxy logs in to Orthanc
-- with its own account (CXR_ORTHANC_PROXY_USER); Orthanc itself lets that account read DICOMweb
-- (QIDO-RS, WADO-RS, WADO-URI) and nothing else, so even a request the proxy should have refused
-- cannot reach Orthanc's REST API (/system, /tools, /modalities, deletes) with it. Every other
-- account (the sidecar's own, which stores SRs) is left to Orthanc's usual authentication.
--
-- CXR_ORTHANC_PROXY_MAY_STORE=on also lets it STOW-RS (POST /dicom-web/studies), for CXR_DICOMWEB_STOW.

local proxyUser = os.getenv('CXR_ORTHANC_PROXY_USER')
local mayStore = os.getenv('CXR_ORTHANC_PROXY_MAY_STORE') == 'on'

-- Lua patterns, anchored: the paths the sidecar's allow-list forwards (inference-service/src/viewer/dicomWebAllowList.ts).
local readable = {
  '^/dicom%-web/studies$',
  '^/dicom%-web/series$',
  '^/dicom%-web/instances$',
  '^/dicom%-web/studies/[%d%.]+$',
  '^/dicom%-web/studies/[%d%.]+/[%a]+$',
  '^/dicom%-web/studies/[%d%.]+/series/[%d%.]+$',
  '^/dicom%-web/studies/[%d%.]+/series/[%d%.]+/[%a]+$',
  '^/dicom%-web/studies/[%d%.]+/series/[%d%.]+/instances/[%d%.]+$',
  '^/dicom%-web/studies/[%d%.]+/series/[%d%.]+/instances/[%d%.]+/[%a]+$',
  '^/dicom%-web/studies/[%d%.]+/series/[%d%.]+/instances/[%d%.]+/frames/[%d,]+$',
  '^/dicom%-web/studies/[%d%.]+/series/[%d%.]+/instances/[%d%.]+/frames/[%d,]+/rendered$',
  '^/dicom%-web/studies/[%d%.]+/series/[%d%.]+/instances/[%d%.]+/bulk/[%x/]+$',
  '^/wado$',
}

local function matchesAny(uri, patterns)
  for _, pattern in ipairs(patterns) do
    if string.match(uri, pattern) then
      return true
    end
  end
  return false
end

if proxyUser == nil or proxyUser == '' then
  print('restrict-viewer-proxy: CXR_ORTHANC_PROXY_USER is not set, no account is restricted')
else
  print('restrict-viewer-proxy: account ' .. proxyUser .. ' may read DICOMweb only')

  function IncomingHttpRequestFilter(method, uri, ip, username, httpHeaders)
    if username ~= proxyUser then
      return true
    end
    -- Orthanc honours method overrides: a read with one is no read.
    for name, _ in pairs(httpHeaders) do
      local lower = string.lower(name)
      if lower == 'x-http-method-override' or lower == 'x-http-method' or lower == 'x-method-override' then
        return false
      end
    end
    if string.find(uri, '..', 1, true) or string.find(uri, '//', 1, true) then
      return false
    end
    if method == 'GET' or method == 'HEAD' then
      return matchesAny(uri, readable)
    end
    if method == 'POST' and mayStore then
      return string.match(uri, '^/dicom%-web/studies$') ~= nil or string.match(uri, '^/dicom%-web/studies/[%d%.]+$') ~= nil
    end
    return false
  end
end
