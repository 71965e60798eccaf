/// The unit app's page templates (Mustache, HTML-escaped by default), embedded in the binary.
/// Every form posts `_csrf`; the essential actions are plain forms (no script needed).
enum UnitTemplates {
    static let all: [(String, String)] = [
        ("banner", banner), ("self-assessment", selfAssessment), ("self-assessment-print", selfAssessmentPrint),
        ("explanations", explanations), ("deployments", deployments), ("tasks", tasks), ("initiatives", initiatives), ("results", results),
    ]

    static let banner = """
        <span id="sync-state">{{#lastSync}}Đồng bộ lần cuối: <b>{{lastSync}}</b> ({{age}}){{/lastSync}}{{^lastSync}}Chưa đồng bộ lần nào{{/lastSync}}</span>
        {{#offline}}<span class="offline" id="offline">Mất kết nối tới Sở Nội vụ (từ {{offlineSince}}) — vẫn làm việc bình thường, dữ liệu sẽ gửi khi có mạng</span>{{/offline}}
        <span id="pending">Chờ gửi: <b>{{pending}}</b> thay đổi</span>
        {{#seasonYear}}<span id="phase">Năm {{seasonYear}}: giai đoạn <b>{{phase}}</b>{{#deadline}}, hạn {{deadline}} (còn {{#urgent}}<b class="error">{{daysLeft}} ngày</b>{{/urgent}}{{^urgent}}{{daysLeft}} ngày{{/urgent}}){{/deadline}}</span>{{/seasonYear}}
        <form method="post" action="/app/dong-bo"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="back" value="{{back}}"><button type="submit" class="secondary" id="sync-now">Đồng bộ ngay</button></form>
        """

    static let yearPicker = """
        <form method="get" class="inline">Năm <select name="nam">{{#years}}<option value="{{y}}"{{#selected}} selected{{/selected}}>{{y}}</option>{{/years}}</select> <button type="submit" class="secondary">Xem</button></form>
        """

    static let selfAssessment = """
        <h1>Tự đánh giá chỉ số cải cách hành chính năm {{year}}</h1>
        \(yearPicker)
        <p class="muted">{{methodology}}</p>
        {{#pageError}}<p class="error" id="page-error">{{pageError}}</p>{{/pageError}}
        {{#submitted}}<p class="flash" id="submitted">Đã nộp ngày {{submittedOn}}. Điểm tự đánh giá chỉ xem, không sửa được (Sở Nội vụ mở lại nếu cần).</p>{{/submitted}}
        {{#reopened}}<p class="flash">Sở Nội vụ đã mở lại bản tự đánh giá: sửa rồi nộp lại.</p>{{/reopened}}
        {{^hasTree}}<p class="error">Chưa có bộ tiêu chí của năm {{year}} trên máy chủ này. Bộ tiêu chí do Sở Nội vụ ban hành và được nhận khi đồng bộ.</p>{{/hasTree}}
        {{#hasTree}}
        <div class="cards"><div class="card">Tổng điểm tự đánh giá<br><b id="total">{{total}}</b> / {{max}}</div>
        <div class="card">Tiêu chí chưa chấm<br><b id="missing-count">{{missingCount}}</b></div>
        <div class="card"><a href="/app/tu-danh-gia/csv?nam={{year}}" id="csv">Tải CSV (Excel)</a><br><a href="/app/tu-danh-gia/in?nam={{year}}" id="print">Bản in</a></div></div>
        <table class="responsive" id="sheet"><thead><tr><th>Mã</th><th>Tiêu chí</th><th class="num">Tối đa</th><th>Điểm tự đánh giá</th><th>Ghi chú</th><th>Tài liệu kiểm chứng</th><th></th></tr></thead><tbody>
        {{#rows}}
        {{#isField}}<tr class="field" id="{{anchor}}"><td>{{code}}</td><td>{{name}}</td><td class="num">{{max}}</td><td class="num" colspan="4">Cộng: <b class="field-total">{{fieldTotal}}</b> / {{fieldMax}}</td></tr>{{/isField}}
        {{^isField}}<tr class="{{#isSub}}sub{{/isSub}}{{#missing}} missing{{/missing}}" id="{{anchor}}"><td>{{code}}</td><td>{{name}}{{#survey}} <span class="muted">(điểm điều tra xã hội học)</span>{{/survey}}</td><td class="num">{{max}}</td>
        {{#scored}}<td><input class="score" name="self_score" form="{{formId}}" value="{{score}}" inputmode="decimal" placeholder="Điểm" aria-label="Điểm {{code}}"{{#readOnly}} disabled{{/readOnly}}>{{#appraised}}<span class="muted"> thẩm định: {{appraised}}</span>{{/appraised}}{{#errorOnScore}}<span class="field-error">{{error}}</span>{{/errorOnScore}}</td>
        <td><textarea name="self_note" form="{{formId}}" aria-label="Ghi chú {{code}}"{{#readOnly}} disabled{{/readOnly}}>{{note}}</textarea>{{#errorOnNote}}<span class="field-error">{{error}}</span>{{/errorOnNote}}</td>
        <td><textarea name="evidence" form="{{formId}}" placeholder="Số, ký hiệu văn bản" aria-label="Tài liệu {{code}}"{{#readOnly}} disabled{{/readOnly}}>{{evidence}}</textarea><ul class="files">{{#files}}<li><a href="/app/tep/{{sha256}}" target="_blank" class="file">{{name}}</a> <span class="muted">{{size}}</span>{{^readOnly}}<form method="post" action="/app/tep/xoa" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="nam" value="{{year}}"><input type="hidden" name="criterion" value="{{id}}"><input type="hidden" name="sha256" value="{{sha256}}"><button type="submit" class="secondary small" aria-label="Gỡ {{name}}">Gỡ</button></form>{{/readOnly}}</li>{{/files}}</ul>
        {{#canAttach}}<form method="post" enctype="multipart/form-data" action="/app/tep/them?_csrf={{csrf}}&amp;nam={{year}}&amp;criterion={{id}}" class="upload"><input type="file" name="file" aria-label="Tệp cho {{code}}"><button type="submit" class="secondary small">Tải lên</button></form>{{/canAttach}}
        {{#errorOnEvidence}}<span class="field-error">{{error}}</span>{{/errorOnEvidence}}</td>
        <td>{{^readOnly}}<form id="{{formId}}" method="post" action="/app/tu-danh-gia/diem"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="nam" value="{{year}}"><input type="hidden" name="criterion" value="{{id}}"><button type="submit">Lưu</button></form>{{/readOnly}}</td>{{/scored}}
        {{^scored}}<td colspan="4"></td>{{/scored}}</tr>{{/isField}}
        {{/rows}}
        </tbody><tfoot><tr><td></td><td><b>Tổng cộng</b></td><td class="num">{{max}}</td><td colspan="4"><b>{{total}}</b></td></tr></tfoot></table>
        <h2>Trước khi nộp</h2>
        {{#complete}}<p id="ready">Đã chấm đủ các tiêu chí.</p>{{/complete}}
        {{^complete}}<p>Còn <b>{{missingCount}}</b> tiêu chí chưa chấm điểm:</p><ul id="missing">{{#missing}}<li><a href="#{{anchor}}">{{code}}</a> {{name}}</li>{{/missing}}</ul>{{/complete}}
        {{#hasNoEvidence}}<p class="muted">Tiêu chí có điểm nhưng chưa có tài liệu kiểm chứng: {{#noEvidence}}{{code}} {{/noEvidence}}</p>{{/hasNoEvidence}}
        {{^submitted}}{{#isLeader}}<form method="post" action="/app/tu-danh-gia/nop"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="nam" value="{{year}}"><button type="submit" id="submit">Nộp bản tự đánh giá năm {{year}}</button></form>{{/isLeader}}
        {{^isLeader}}<p class="muted">Lãnh đạo đơn vị nộp bản tự đánh giá.</p>{{/isLeader}}{{/submitted}}
        {{/hasTree}}
        """

    static let selfAssessmentPrint = """
        <h1>Bản tự đánh giá chỉ số cải cách hành chính năm {{year}}</h1>
        <p>{{unitName}} ({{unit}}) · {{methodology}} · In lúc {{printedAt}}{{#submitted}} · Đã nộp ngày {{submittedOn}}{{/submitted}}</p>
        <table><thead><tr><th>Mã</th><th>Tiêu chí</th><th class="num">Tối đa</th><th class="num">Tự đánh giá</th><th>Ghi chú</th><th>Tài liệu kiểm chứng</th></tr></thead><tbody>
        {{#rows}}<tr class="{{#isField}}field{{/isField}}{{#isSub}}sub{{/isSub}}"><td>{{code}}</td><td>{{name}}</td><td class="num">{{max}}</td><td class="num">{{#isField}}{{fieldTotal}}{{/isField}}{{^isField}}{{score}}{{/isField}}</td><td>{{note}}</td><td>{{evidence}}</td></tr>{{/rows}}
        </tbody><tfoot><tr><td></td><td><b>Tổng cộng</b></td><td class="num">{{max}}</td><td class="num"><b>{{total}}</b></td><td></td><td></td></tr></tfoot></table>
        """

    static let explanations = """
        <h1>Giải trình kết quả thẩm định năm {{year}}</h1>
        \(yearPicker)
        {{#none}}<p id="no-deductions">Chưa có tiêu chí nào bị trừ điểm (kết quả thẩm định được nhận khi đồng bộ).</p>{{/none}}
        {{#rows}}<section class="card" id="d-{{id}}"><h2>{{code}} {{name}}</h2>
        <p>Tự đánh giá: <b>{{self}}</b> · Thẩm định: <b>{{appraised}}</b> · Bị trừ: <b>{{deducted}}</b> / tối đa {{max}}</p>
        <p>Lý do trừ điểm: {{reason}}</p>
        {{#final}}<p>Thẩm định lại: <b>{{final}}</b> — {{#accepted}}giải trình được chấp nhận{{/accepted}}{{^accepted}}giải trình không được chấp nhận{{/accepted}}. {{reappraisalNote}}</p>{{/final}}
        <form method="post" action="/app/giai-trinh"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="nam" value="{{year}}"><input type="hidden" name="criterion" value="{{id}}">
        <label>Nội dung giải trình<textarea name="explanation">{{explanation}}</textarea></label>
        <label>Tài liệu bổ sung<textarea name="explanation_evidence" placeholder="Số, ký hiệu văn bản">{{evidence}}</textarea></label>
        {{#error}}<span class="field-error">{{error}}</span>{{/error}}
        <button type="submit">Lưu giải trình</button></form></section>{{/rows}}
        """

    static let deployments = """
        <h1>Đề án 06 — dịch vụ công trực tuyến thiết yếu, kỳ {{period}}</h1>
        <form method="get">Kỳ báo cáo <input name="ky" value="{{period}}" size="8"> <button type="submit" class="secondary">Xem</button></form>
        <p>Đã báo cáo {{reported}} / {{count}} dịch vụ.</p>
        <table class="responsive" id="services"><thead><tr><th class="num">TT</th><th>Dịch vụ</th><th>Mức độ</th><th>Hồ sơ tiếp nhận</th><th>Hồ sơ trực tuyến</th><th>Ghi chú</th><th></th></tr></thead><tbody>
        {{#rows}}<tr id="r-{{formId}}"><td class="num">{{number}}</td><td>{{name}} <span class="muted">{{field}}</span></td>
        <td><select name="level" form="{{formId}}" aria-label="Mức độ"><option value="">—</option>{{#levels}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/levels}}</select></td>
        <td><input class="score" name="dossiers_received" form="{{formId}}" value="{{received}}" inputmode="numeric" placeholder="Tiếp nhận" aria-label="Hồ sơ tiếp nhận"></td>
        <td><input class="score" name="dossiers_online" form="{{formId}}" value="{{online}}" inputmode="numeric" placeholder="Trực tuyến" aria-label="Hồ sơ trực tuyến">{{#error}}<span class="field-error">{{error}}</span>{{/error}}</td>
        <td><input name="note" form="{{formId}}" value="{{note}}" placeholder="Ghi chú" aria-label="Ghi chú"></td>
        <td><form id="{{formId}}" method="post" action="/app/de-an-06"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="ky" value="{{period}}"><input type="hidden" name="service" value="{{id}}"><button type="submit">Lưu</button></form></td></tr>{{/rows}}
        </tbody></table>
        """

    static let tasks = """
        <h1>Nhiệm vụ cải cách hành chính của đơn vị</h1>
        {{#none}}<p>Chưa có nhiệm vụ nào được giao cho đơn vị.</p>{{/none}}
        {{#rows}}<section class="card" id="t-{{id}}"><h2>{{title}}</h2>
        <p>Hạn: <b{{#overdue}} class="error"{{/overdue}}>{{deadline}}</b>{{#overdue}} (quá hạn){{/overdue}} · Tiến độ: <b>{{progress}}%</b>{{#target}} · Mục tiêu: {{target}}{{/target}}</p>
        {{#hasReports}}<p class="muted">Báo cáo gần đây: {{#reports}}{{on}}: {{percent}}% {{note}}; {{/reports}}</p>{{/hasReports}}
        <form method="post" action="/app/nhiem-vu"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="task" value="{{id}}">
        <label>Tiến độ (%) <input class="score" name="progress_percent" value="{{typedPercent}}" inputmode="decimal"></label>
        <label>Nội dung <input name="note" value="{{typedNote}}" size="50"></label>{{#error}}<span class="field-error">{{error}}</span>{{/error}}
        <button type="submit">Gửi báo cáo tiến độ</button></form></section>{{/rows}}
        """

    static let initiatives = """
        <h1>Sáng kiến cải cách hành chính</h1>
        <form method="post" action="/app/sang-kien" class="card"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label>Năm <input class="score" name="nam" value="{{year}}"></label>
        <label>Tên sáng kiến <input name="title" value="{{title}}" size="60"></label>{{#error}}<span class="field-error">{{error}}</span>{{/error}}
        <label>Tóm tắt<textarea name="summary">{{summary}}</textarea></label>
        <button type="submit">Đề xuất sáng kiến</button></form>
        {{#none}}<p>Chưa có sáng kiến nào.</p>{{/none}}
        {{^none}}<table class="responsive"><thead><tr><th>Năm</th><th>Sáng kiến</th><th>Trạng thái</th><th>Công nhận</th></tr></thead><tbody>
        {{#rows}}<tr><td>{{year}}</td><td><b>{{title}}</b><br><span class="muted">{{summary}}</span></td><td>{{status}}</td><td>{{recognized}}</td></tr>{{/rows}}
        </tbody></table>{{/none}}
        """

    static let results = """
        <h1>Kết quả chỉ số cải cách hành chính đã công bố</h1>
        {{#none}}<p id="no-results">Chưa có kết quả nào được công bố (kết quả do Sở Nội vụ công bố và được nhận khi đồng bộ).</p>{{/none}}
        {{^none}}<table class="responsive" id="results"><thead><tr><th>Năm</th><th class="num">Tự đánh giá</th><th class="num">Thẩm định</th><th class="num">Điều tra XHH</th><th class="num">Tối đa</th><th class="num">Chỉ số</th><th class="num">Xếp hạng</th><th>Quyết định</th></tr></thead><tbody>
        {{#rows}}<tr><td>{{year}}</td><td class="num">{{self}}</td><td class="num">{{appraised}}</td><td class="num">{{survey}}</td><td class="num">{{max}}</td><td class="num"><b>{{index}}</b></td><td class="num">{{rank}}</td><td>{{decision}}</td></tr>{{/rows}}
        </tbody></table>{{/none}}
        """
}
