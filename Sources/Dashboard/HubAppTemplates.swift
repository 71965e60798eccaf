/// The appraisers' app's page templates (Mustache, HTML-escaped by default), embedded in the
/// binary; they render inside OfficeWeb's layout. Vietnamese text is NFC. Every form carries the
/// session's CSRF token (`_csrf`).
enum HubAppTemplates {
    static let all: [(String, String)] = [("progress", progress), ("unit", unit), ("season", season), ("publish", publish), ("tokens", tokens)]

    /// Labels shown only at phone width, where the table's header row is hidden (rows become blocks).
    static let phoneLabels = "<style>@media (min-width:641px){.ph{display:none}}</style>"

    static let yearForm = """
        <form method="get" class="year"><label>Năm đánh giá <input name="year" id="year" class="score" value="{{year}}"></label>
        <button type="submit" class="secondary">Xem</button></form>
        """

    static let progress = """
        \(phoneLabels)
        <h1>Tiến độ thẩm định năm {{year}}</h1>
        \(yearForm)
        {{#current}}<p>Giai đoạn hiện tại: <strong>{{current}}</strong></p>{{/current}}
        <table class="responsive" id="progress"><thead><tr><th>Đơn vị</th><th>Nhóm</th><th>Bản tự đánh giá</th>
        <th class="num">Tiêu chí tự chấm</th><th class="num">Đã thẩm định</th><th class="num">Bị trừ điểm</th>
        <th class="num">Đã giải trình</th><th class="num">Đã phúc tra</th></tr></thead><tbody>
        {{#units}}<tr{{^done}}{{#submitted}} class="missing"{{/submitted}}{{/done}}>
        <td><a href="/app/units/{{unit}}?year={{year}}" id="unit-{{unit}}">{{name}}</a> <span class="muted">{{unit}}</span></td><td>{{group}}</td><td>{{status}}</td>
        <td class="num"><span class="ph muted">Tiêu chí tự chấm: </span>{{scored}}</td><td class="num"><span class="ph muted">Đã thẩm định: </span>{{appraised}}/{{scored}}</td>
        <td class="num"><span class="ph muted">Bị trừ điểm: </span>{{deducted}}</td><td class="num"><span class="ph muted">Đã giải trình: </span>{{explained}}/{{deducted}}</td>
        <td class="num"><span class="ph muted">Đã phúc tra: </span>{{reappraised}}</td></tr>{{/units}}
        {{^units}}<tr><td colspan="8">Chưa có đơn vị nào (nạp danh sách đơn vị bằng <code>reformsync hub load</code>).</td></tr>{{/units}}
        </tbody></table>
        """

    static let unit = """
        \(phoneLabels)
        <h1>Thẩm định: {{name}} <span class="muted">{{unit}}</span> — năm {{year}}</h1>
        \(yearForm)
        <p>{{#submitted}}Đơn vị đã nộp bản tự đánh giá.{{/submitted}}{{^submitted}}<span class="error">Đơn vị chưa nộp bản tự đánh giá.</span>{{/submitted}}
        {{#current}} Giai đoạn hiện tại: <strong>{{current}}</strong>.{{/current}} <a href="/app/?year={{year}}">← Tiến độ các đơn vị</a></p>
        {{#error}}<p class="error" id="form-error">{{error}}</p>{{/error}}
        <table class="responsive" id="criteria"><thead><tr><th>Tiêu chí</th><th class="num">Điểm tối đa</th><th class="num">Tự chấm</th>
        <th>Ghi chú, tài liệu kiểm chứng</th><th>Thẩm định</th><th>Giải trình, phúc tra</th></tr></thead><tbody>
        {{#rows}}{{#header}}<tr class="field"><td colspan="6">{{code}} {{name}}</td></tr>{{/header}}
        {{^header}}<tr id="{{id}}"><td><strong>{{code}}</strong> {{name}}</td><td class="num"><span class="ph muted">Điểm tối đa: </span>{{max}}</td><td class="num"><span class="ph muted">Tự chấm: </span>{{self}}</td>
        <td>{{selfNote}}{{#evidenceText}}<div class="muted">{{evidenceText}}</div>{{/evidenceText}}
        {{#files}}<div><a href="/app/files/{{sha256}}" target="_blank" rel="noopener">{{name}}</a> <span class="muted">{{size}}</span></div>{{/files}}</td>
        <td>{{#appraised}}<div>Điểm thẩm định: <strong class="appraised">{{appraised}}</strong>{{#deduction}} <span class="error">(trừ {{deduction}})</span>{{/deduction}}</div>{{/appraised}}
        {{#appraisalNote}}<div class="muted">Lý do: {{appraisalNote}}</div>{{/appraisalNote}}
        {{#canAppraise}}<form method="post" action="/app/units/{{unit}}/appraise" class="appraise">
        <input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="year" value="{{year}}"><input type="hidden" name="criterion" value="{{criterion}}">
        <label>Điểm <input name="score" class="score" value="{{appraiseValue}}" inputmode="decimal" required></label>
        <label>Lý do trừ điểm <textarea name="reason">{{appraisalNote}}</textarea></label>
        {{#fieldError}}<span class="field-error">{{fieldError}}</span>{{/fieldError}}
        <button type="submit">Lưu thẩm định</button></form>{{/canAppraise}}</td>
        <td>{{#explanation}}<div>Giải trình: {{explanation}}</div>{{/explanation}}{{#explanationEvidence}}<div class="muted">{{explanationEvidence}}</div>{{/explanationEvidence}}
        {{#reappraised}}<div>Điểm sau phúc tra: <strong class="reappraised">{{reappraised}}</strong> — {{accepted}}</div>{{/reappraised}}
        {{#reappraisalNote}}<div class="muted">{{reappraisalNote}}</div>{{/reappraisalNote}}
        {{#canReappraise}}{{#appraised}}<form method="post" action="/app/units/{{unit}}/reappraise" class="reappraise">
        <input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="year" value="{{year}}"><input type="hidden" name="criterion" value="{{criterion}}">
        <label>Điểm cuối cùng <input name="score" class="score" value="{{reappraiseValue}}" inputmode="decimal" required></label>
        <label><select name="accepted"><option value="yes">Chấp nhận giải trình</option><option value="no">Không chấp nhận</option></select></label>
        <label>Lý do <textarea name="reason" required>{{reappraisalNote}}</textarea></label>
        {{#fieldError}}<span class="field-error">{{fieldError}}</span>{{/fieldError}}
        <button type="submit">Lưu phúc tra</button></form>{{/appraised}}{{/canReappraise}}</td></tr>{{/header}}{{/rows}}
        {{^rows}}<tr><td colspan="6">Đơn vị chưa tự chấm tiêu chí nào năm {{year}} (hoặc chưa đồng bộ).</td></tr>{{/rows}}
        </tbody></table>
        """

    static let season = """
        <h1>Lịch đánh giá năm {{year}}</h1>
        \(yearForm)
        {{#current}}<p>Giai đoạn hiện tại: <strong>{{current}}</strong></p>{{/current}}
        {{#error}}<p class="error" id="form-error">{{error}}</p>{{/error}}
        <h2>Các mốc thời gian (mọi nhóm đơn vị)</h2>
        <form method="post" action="/app/season" id="season-form"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="year" value="{{year}}">
        <table><tbody>{{#phases}}<tr><th>{{label}}</th><td><input type="date" name="{{field}}" id="{{field}}" value="{{value}}"></td></tr>{{/phases}}
        <tr><th>Văn bản quyết định</th><td><input name="decision" value="{{decision}}"></td></tr></tbody></table>
        <p class="muted">Mỗi mốc là 24:00 (giờ Việt Nam) của ngày cuối giai đoạn; các đơn vị nhận lịch ở lần đồng bộ sau.</p>
        <button type="submit">Lưu lịch</button></form>
        <h2>Gia hạn cho một đơn vị</h2>
        <form method="post" action="/app/season/extend" id="extend-form"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="year" value="{{year}}">
        <label>Đơn vị <input name="unit" required></label>
        <label>Giai đoạn <select name="phase"><option value="self_assessment">Tự đánh giá</option><option value="explanation">Giải trình</option></select></label>
        <label>Đến ngày <input type="date" name="until" required></label>
        <label>Người quyết định <input name="by" required></label>
        <label>Lý do <input name="reason" required></label>
        <button type="submit">Gia hạn</button></form>
        <table><thead><tr><th>Đơn vị</th><th>Giai đoạn</th><th>Đến ngày</th><th>Người quyết định</th><th>Lý do</th></tr></thead><tbody>
        {{#extensions}}<tr><td>{{unit}}</td><td>{{phase}}</td><td>{{until}}</td><td>{{by}}</td><td>{{reason}}</td></tr>{{/extensions}}
        {{^extensions}}<tr><td colspan="5">Chưa có gia hạn.</td></tr>{{/extensions}}</tbody></table>
        <h2>Mở lại bản tự đánh giá đã nộp</h2>
        <form method="post" action="/app/season/reopen" id="reopen-form"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="year" value="{{year}}">
        <label>Đơn vị <input name="unit" required></label>
        <label>Người quyết định <input name="by" required></label>
        <label>Lý do <input name="reason" required></label>
        <button type="submit">Mở lại</button></form>
        """

    static let publish = """
        <h1>Công bố kết quả Chỉ số CCHC</h1>
        {{#error}}<p class="error" id="form-error">{{error}}</p>{{/error}}
        {{#summary}}<p class="flash" id="published">{{summary}}</p>{{/summary}}
        <form method="post" action="/app/publish" id="publish-form"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label>Năm <input name="year" class="score" value="{{year}}" required></label>
        <label>Quyết định công bố <input name="decision" value="{{decision}}" placeholder="715/QĐ-UBND"></label>
        <label>Ngày công bố <input type="date" name="date"></label>
        <p class="muted">Tính xếp hạng như báo cáo và ghi kết quả của mọi đơn vị có chỉ số; công bố lại sẽ thay kết quả cũ. Các đơn vị nhận kết quả ở lần đồng bộ sau.</p>
        <button type="submit">Công bố</button></form>
        """

    static let tokens = """
        <h1>Mã truy cập của máy chủ đơn vị</h1>
        {{#error}}<p class="error" id="form-error">{{error}}</p>{{/error}}
        {{#issued}}<div class="flash" id="issued">Mã mới cho {{unit}} (chỉ hiện một lần, ghi vào tệp <code>hub.token_file</code> của máy chủ đơn vị):
        <pre id="new-token" style="white-space:pre-wrap;word-break:break-all">{{token}}</pre></div>{{/issued}}
        <h2>Cấp mã mới</h2>
        <form method="post" action="/app/tokens" id="token-form"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label>Đơn vị <input name="unit" required></label>
        <label>Ghi chú <input name="note"></label>
        <label>Các mã cũ còn dùng được (ngày) <input name="grace_days" class="score" value="7"></label>
        <button type="submit">Cấp mã</button></form>
        <h2>Các mã đã cấp</h2>
        <table class="responsive" id="token-list"><thead><tr><th>Mã số</th><th>Đơn vị</th><th>Ghi chú</th><th>Cấp lúc</th><th>Hết hạn</th><th>Trạng thái</th><th></th></tr></thead><tbody>
        {{#tokens}}<tr><td>{{id}}</td><td>{{unit}}</td><td>{{note}}</td><td>{{created}}</td><td>{{expires}}</td><td>{{state}}</td>
        <td>{{#active}}<form method="post" action="/app/tokens/revoke"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}">
        <button type="submit" class="secondary">Thu hồi</button></form>{{/active}}</td></tr>{{/tokens}}
        {{^tokens}}<tr><td colspan="7">Chưa cấp mã nào.</td></tr>{{/tokens}}</tbody></table>
        """
}
