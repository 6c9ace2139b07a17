-- Purpose: tell the CXR Findings sidecar that an image arrived, so it is classified without a click.
--
-- The sidecar's base URL and token come from the environment of the Orthanc process
-- (CXR_SIDECAR_URL, CXR_SIDECAR_TOKEN); without a URL this hook stays silent, which is how
-- auto-classify on arrival is turned off. HttpPost does not retry and a down sidecar loses the event:
-- the sidecar also follows /changes from a persisted cursor, so this hook only makes arrival fast.
--
-- OnStoredInstance also fires for an upload Orthanc answers with AlreadyStored; the sidecar
-- decides eligibility and de-duplicates, this hook only filters out what can never be an input.

local sidecarUrl = os.getenv('CXR_SIDECAR_URL')
local sidecarToken = os.getenv('CXR_SIDECAR_TOKEN')
local eventPath = '/api/internal/orthanc-event'

-- Structured Reporting storage SOP classes all live under this root (PS3.4 Annex B.5; the same literal as
-- inference-service/src/finding/rules.ts, which a test holds it to); the
-- sidecar's own SRs are among them, so skipping them also keeps the hook from reacting to itself.
local srSopClassPrefix = '1.2.840.10008.5.1.4.1.1.88.'

-- Parametric Map Storage: the sidecar's heatmaps (inference-service/src/sr/codes.ts, held equal by the same
-- test). Never an input either, and without this each image's heatmaps came back to the sidecar as an arrival.
local parametricMapSopClass = '1.2.840.10008.5.1.4.1.1.30'

local function isOneOfOurKinds(tags)
  local sopClassUid = tags['SOPClassUID'] or ''
  return tags['Modality'] == 'SR'
    or string.sub(sopClassUid, 1, string.len(srSopClassPrefix)) == srSopClassPrefix
    or sopClassUid == parametricMapSopClass
end

if sidecarUrl == nil or sidecarUrl == '' then
  print('notify-sidecar: CXR_SIDECAR_URL is not set, auto-classify on arrival is off')
else
  -- One line at load, so a misconfigured URL is visible in Orthanc's log.
  print('notify-sidecar: notifying ' .. sidecarUrl .. eventPath)

  function OnStoredInstance(instanceId, tags, metadata, origin)
    -- Nothing a Lua script stored (e.g. a modified copy) is an arrival from outside.
    if isOneOfOurKinds(tags) or (origin ~= nil and origin['RequestOrigin'] == 'Lua') then
      return
    end
    local headers = { ['Content-Type'] = 'application/json' }
    if sidecarToken ~= nil and sidecarToken ~= '' then
      headers['Authorization'] = 'Bearer ' .. sidecarToken
    end
    local body = DumpJson({ orthancInstanceId = instanceId }, true)
    local answer = HttpPost(sidecarUrl .. eventPath, body, headers)
    if answer == nil then
      print('notify-sidecar: POST ' .. eventPath .. ' failed for instance ' .. instanceId .. ' (the /changes follower will catch up)')
    end
  end
end
