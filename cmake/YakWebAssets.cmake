# The chat page `yak serve` answers at / (docs/server.md, "Chat page"): web/ and the vendor
# libraries from Debian's packages, compiled into yak_serve by tools/embed_assets, so the
# running server reads no file and fetches nothing.
#
#   /                        web/index.html
#   /assets/<path>           web/<path>, every other file under web/
#   /assets/vendor/...       the libraries below
#
# Two generated sources: the page's own files change often and are small; the vendor files
# (about 1.5 MB) change only with their packages, so editing the page recompiles little.

set(YAK_WEB_DIR ${PROJECT_SOURCE_DIR}/web CACHE PATH "The chat page's own files (index.html, ...)")
set(yak_web_gen ${PROJECT_BINARY_DIR}/generated/web)

# Each vendor file: URL path under /assets/vendor/, the file, and the package that has it.
set(yak_vendor_files
  "marked.min.js|/usr/share/javascript/marked/marked.min.js|libjs-marked"
  "highlight.min.js|/usr/share/javascript/highlight.js/highlight.min.js|libjs-highlight.js"
  "hljs-light.css|/usr/share/javascript/highlight.js/styles/github.css|libjs-highlight.js"
  "hljs-dark.css|/usr/share/javascript/highlight.js/styles/atom-one-dark.css|libjs-highlight.js"
  "katex.min.js|/usr/share/javascript/katex/katex.min.js|libjs-katex"
  "katex.min.css|/usr/share/javascript/katex/katex.min.css|libjs-katex"
  "purify.min.js|/usr/share/nodejs/dompurify/dist/purify.min.js|node-dompurify")
set(yak_katex_fonts /usr/share/javascript/katex/fonts)

function(yak_web_vendor_manifest out_manifest out_files)
  set(manifest "")
  set(files "")
  foreach(entry ${yak_vendor_files})
    string(REPLACE "|" ";" parts "${entry}")
    list(GET parts 0 name)
    list(GET parts 1 path)
    list(GET parts 2 package)
    if(NOT EXISTS "${path}")
      message(FATAL_ERROR "The chat page needs ${path}: install the Debian package ${package} "
                          "(scripts/setup.sh does)")
    endif()
    file(REAL_PATH "${path}" real)  # katex.min.js is a symlink to katex.js
    string(APPEND manifest "/assets/vendor/${name}\t${real}\n")
    list(APPEND files "${real}")
  endforeach()
  # Only woff2: KaTeX's CSS lists it first, and every browser that runs the page reads it.
  file(GLOB fonts "${yak_katex_fonts}/KaTeX_*.woff2")
  if(NOT fonts)
    message(FATAL_ERROR "The chat page needs KaTeX's fonts (${yak_katex_fonts}/KaTeX_*.woff2): "
                        "install the Debian packages libjs-katex and fonts-katex")
  endif()
  list(SORT fonts)
  foreach(font ${fonts})
    get_filename_component(name "${font}" NAME)
    file(REAL_PATH "${font}" real)
    string(APPEND manifest "/assets/vendor/fonts/${name}\t${real}\n")
    list(APPEND files "${real}")
  endforeach()
  set(${out_manifest} "${manifest}" PARENT_SCOPE)
  set(${out_files} "${files}" PARENT_SCOPE)
endfunction()

function(yak_web_app_manifest out_manifest out_files)
  if(NOT EXISTS "${YAK_WEB_DIR}/index.html")
    message(FATAL_ERROR "The chat page's ${YAK_WEB_DIR}/index.html is missing")
  endif()
  # CONFIGURE_DEPENDS: a file added to web/ is picked up by the next build.
  file(GLOB_RECURSE rel_paths CONFIGURE_DEPENDS RELATIVE "${YAK_WEB_DIR}" "${YAK_WEB_DIR}/*")
  list(SORT rel_paths)
  set(manifest "/\t${YAK_WEB_DIR}/index.html\n")
  set(files "${YAK_WEB_DIR}/index.html")
  foreach(rel ${rel_paths})
    get_filename_component(name "${rel}" NAME)
    # Editors' backups and swap files are not the page's.
    if(rel STREQUAL "index.html" OR name MATCHES "^\\." OR name MATCHES "~$")
      continue()
    endif()
    if(rel MATCHES "^vendor/")
      message(FATAL_ERROR "web/${rel}: /assets/vendor/ is for the Debian packages' files")
    endif()
    string(APPEND manifest "/assets/${rel}\t${YAK_WEB_DIR}/${rel}\n")
    list(APPEND files "${YAK_WEB_DIR}/${rel}")
  endforeach()
  set(${out_manifest} "${manifest}" PARENT_SCOPE)
  set(${out_files} "${files}" PARENT_SCOPE)
endfunction()

add_executable(yak_embed_assets ${PROJECT_SOURCE_DIR}/tools/embed_assets/embed_assets.cpp)

# One generated source `name`.cpp defining yak::serve::`function`() from `manifest_text`.
function(yak_embed_web_group target name function manifest_text files)
  set(manifest ${yak_web_gen}/${name}.manifest)
  # Written only when it changes, so a reconfigure alone recompiles nothing.
  file(CONFIGURE OUTPUT ${manifest} CONTENT "${manifest_text}")
  set(source ${yak_web_gen}/${name}.cpp)
  add_custom_command(
    OUTPUT ${source}
    COMMAND yak_embed_assets ${manifest} ${source} ${function}
    DEPENDS yak_embed_assets ${manifest} ${files}
    COMMENT "Embedding ${name} into yak serve"
    VERBATIM)
  target_sources(${target} PRIVATE ${source})
endfunction()

function(yak_embed_web_assets target)
  yak_web_app_manifest(app_manifest app_files)
  yak_web_vendor_manifest(vendor_manifest vendor_files)
  yak_embed_web_group(${target} web_app_assets app_web_assets "${app_manifest}" "${app_files}")
  yak_embed_web_group(${target} web_vendor_assets vendor_web_assets "${vendor_manifest}"
                      "${vendor_files}")
endfunction()
